// The hub's list of pages (/): docs/web.md. Its words are those of the hall in the address
// (/?hall=H), else of the hub's first hall, in that hall's languages.
import {setupLang, query} from "/static/hub.js";

await setupLang("index");
// the pages' links keep the hall (and the language chosen here)
const hall = query("hall");
if (hall) for (const a of document.querySelectorAll("main a[href^='/']")) a.href += `?hall=${encodeURIComponent(hall)}`;
