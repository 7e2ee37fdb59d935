// "My ticket" (/t/<key>) on a citizen's phone: docs/web.md. Read only: the link key is the only credential.
import {HubClient, setupLang, tr, pick, waitText} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and ticket (the hall's:
// the hub finds it by the link key).

const $ = (id) => document.getElementById(id);
let view = null, lastState = null, lastRecalls = 0;

function render() {
  if (!view) return;
  const v = view;
  if (v.hall_name) $("hall-name").textContent = pick(v.hall_name);
  $("number").textContent = v.number || "—";
  $("service").textContent = v.service_name ? pick(v.service_name) : "";
  const turn = v.state === "called" || v.state === "serving";
  $("turn").hidden = !turn;
  $("way").hidden = !(turn && v.window?.directions);
  const place = $("place");
  place.replaceChildren();
  if (turn && v.window) {
    const w = v.window;
    const floor = w.floor_name ? pick(w.floor_name) : w.floor;
    $("where").textContent = v.state === "serving" ? tr("serving", {w: w.number})
      : tr("go_to_window", {window: w.number}) + (floor ? tr("paren", {text: floor}) : "");
    if (v.recalls > 0 && v.state === "called") place.textContent = tr("recalled", {n: v.recalls + 1});
    if (w.directions) {
      $("directions").textContent = (w.from ? tr("from") : "") + pick(w.directions);
      $("summary").textContent = pick(w.summary);
    }
    place.hidden = !place.textContent;
    return;
  }
  place.hidden = false;
  if (v.state === "waiting") {
    if (v.ahead === 0) {
      place.append(Object.assign(document.createElement("b"), {textContent: tr("next")}));
    } else if (v.ahead != null) {
      place.append(tr("ahead"), Object.assign(document.createElement("b"), {textContent: tr("people", {n: v.ahead})}));
    }
    const line = document.createElement("div");
    const words = waitText(v, v.ahead);  // the one wording of estimates (hub.js)
    if (words) line.textContent = tr("estimate", {e: words});
    place.append(line);
    if (v.to_window) place.append(Object.assign(document.createElement("div"), {textContent: tr("to_window", {w: v.to_window})}));
  } else {
    place.textContent = tr({completed: "done", skipped: "skipped", cancelled: "cancelled", gone: "gone"}[v.state] || "unknown");
  }
}

function onView(v) {
  const called = (v.state === "called") && (lastState !== "called" || (v.recalls || 0) > lastRecalls);
  view = v;
  lastState = v.state;
  lastRecalls = v.recalls || 0;
  render();
  if (called) {
    document.title = `${v.number} → ${v.window?.number ?? ""}`;
    if (navigator.vibrate) navigator.vibrate([400, 200, 400]);
  }
}

await setupLang("ticket", render);
const key = location.pathname.split("/").pop();
const hub = new HubClient({role: "ticket", hall: "*", ticket: key}, {
  message: (msg) => { if (msg.type === "ticket") onView(msg.ticket); },
  status: (up) => { $("offline").hidden = up; },
  fatal: () => { view = {state: "unknown"}; render(); $("number").textContent = "—"; },
}).start();
window.signageTicket = {get view() { return view; }, hub};
