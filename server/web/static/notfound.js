// The 404 page (any unknown address, a ticket link from an earlier day): docs/web.md. Its words
// are those of the hall in the address (?hall=H), else of the hub's first hall.
import {setupLang} from "/static/hub.js";

await setupLang("notfound");
