// The ticket kiosk (/kiosk?hall=H): docs/web.md.
// ?print=1 prints each ticket at once (Chromium's --kiosk-printing makes it silent);
// ?idle=S: seconds without a touch before going back to the start (default 20).
import {HubClient, setupLang, tr, pick, signIn, forget, el, query, currentLang, clockText, waitText, errorText,
        listSep, priorityCategories, priorityName, priorityWords} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and kiosk.

const $ = (id) => document.getElementById(id);
let hub = null, who = null, config = null, estimates = {services: {}, tickets: {}}, offset = 0;
let mode = null;  // null | {priority}: the priority path chooses who, then the service
let busy = false, idleTimer = null, lastTicket = null;
const idleSeconds = Number(query("idle")) || 20;

function show(view) {
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== view;
  $("flash").textContent = "";
  $("flash").className = "flash";
  if (view === "v-start") renderServices();
  if (view === "v-appointment") $("code").focus();
  poke();
}

function reset() {
  mode = null;
  show("v-start");
}

function poke() {
  clearTimeout(idleTimer);
  const onStart = !$("v-start").hidden && !mode;
  if (!onStart) idleTimer = setTimeout(reset, idleSeconds * 1000);
}

let builtFor = null;

// The service buttons are built once per configuration, language and path; new estimates
// only change their small print, so a finger on a button never loses it to a rebuild.
function renderServices() {
  if (!config) return;
  $("hall-name").textContent = pick(config.hall.name);
  const banner = $("mode-banner");
  banner.hidden = !mode;
  if (mode?.priority) banner.textContent = tr("mode_priority", {who: priorityName(config, mode.priority)});
  const key = [config, currentLang(), mode?.priority];
  if (!builtFor || key.some((k, i) => k !== builtFor[i])) {
    builtFor = key;
    const groups = config.groups.map((g) => {
      const mine = config.services.filter((s) => s.group === g.id);
      if (!mine.length) return null;
      return el("div", {class: "group"}, el("h2", {text: pick(g.name)}),
        el("div", {class: "tiles"}, mine.map((s) => el("button", {type: "button", dataset: {service: s.id},
          onclick: () => issue(s)}, `${s.prefix} · ${pick(s.name)}`, el("small")))));
    });
    $("services").replaceChildren(...groups.filter(Boolean));
    if (mode) $("services").append(el("div", {class: "paths"}, el("button", {class: "back", type: "button", onclick: reset, text: tr("back")})));
  }
  for (const b of $("services").querySelectorAll("button[data-service]")) {
    const e = estimates.services?.[b.dataset.service] || {};
    const words = waitText(e);  // the one wording of estimates (hub.js)
    b.querySelector("small").textContent = e.waiting == null ? words
      : words ? tr("wait_est", {n: e.waiting, e: words}) : tr("wait_n", {n: e.waiting});
    b.disabled = busy || !hub?.up;
  }
  $("go-priority").hidden = $("go-appointment").hidden = !!mode;
  if (!priorityCategories(config, {kiosk: true}).length) $("go-priority").hidden = true;  // staff decide there
}

// A ticket from the hub (a tap on a service, or an appointment's code), then its printed view;
// refused, the reason in words. The buttons wait meanwhile, so a double tap takes one ticket.
async function take(cmd, how) {
  if (busy || !hub?.up) return;
  busy = true;
  renderServices();
  $("flash").textContent = tr("issuing");
  $("flash").className = "flash";
  try {
    const result = await hub.request(cmd);
    const service = config.services.find((s) => s.id === result.ticket.service) || {name: result.ticket.service};
    await showTicket(result, service, how);
  } catch (err) {
    $("flash").textContent = errorText(err);  // the page's words, in its language only (hub.js)
    $("flash").className = "flash error";
  } finally {
    busy = false;
    if (!$("v-start").hidden) renderServices();
  }
}

function issue(service) {
  const cmd = {type: "issue", service: service.id};
  if (mode?.priority) cmd.priority = mode.priority;
  return take(cmd, mode);
}

// An appointment: the hub knows its service and time (a manager booked the day's list); one tap.
function checkIn(code) {
  return take({type: "check_in", code}, {appointment: code});
}

async function showTicket(result, service, how) {
  const t = result.ticket;
  const est = estimates.tickets?.[t.id] ?? estimates.services?.[service.id] ?? null;
  lastTicket = {t, service, how, ahead: result.ahead ?? 0, est, at: Date.now() / 1000 + offset};
  fillTicket();
  show("v-ticket");
  $("r-qr").removeAttribute("src");
  try {
    const r = await fetch(`/api/link?hall=${encodeURIComponent(who.hall)}&ticket=${encodeURIComponent(t.id)}`,
                          {headers: {Authorization: `Bearer ${who.token}`}});
    if (r.ok) {
      const link = await r.json();
      await new Promise((resolve) => {
        $("r-qr").onload = resolve;
        $("r-qr").onerror = resolve;
        $("r-qr").src = link.qr;
        $("r-qr").dataset.link = link.path;
      });
    }
  } catch (e) { /* the ticket stands without its QR code */ }
  fitPaper();
  if (query("print") === "1") window.print();
}

// The printed page: 80 mm wide and as long as the ticket (a CSS rule added through the style
// sheet's own API: the pages' Content-Security-Policy allows no inline style).
let paperRule = null;
function fitPaper() {
  const sheet = [...document.styleSheets].find((s) => (s.href || "").endsWith("/signage.css"));
  if (!sheet) return;
  const mm = Math.ceil($("receipt").getBoundingClientRect().height * 25.4 / 96) + 8;
  if (paperRule != null) sheet.deleteRule(paperRule);
  paperRule = sheet.insertRule(`@page { size: 80mm ${Math.max(60, mm)}mm; margin: 0; }`, sheet.cssRules.length);
}

function fillTicket() {
  if (!lastTicket || !config) return;
  const {t, service, how, ahead, est, at} = lastTicket;
  $("r-hall").textContent = pick(config.hall.name);
  $("r-number").textContent = t.number;
  $("r-service").textContent = pick(service.name);
  $("r-class").textContent = how?.priority ? tr("c_priority", {who: priorityName(config, how.priority)})
    : how?.appointment ? tr("c_appointment", {code: how.appointment}) : "";
  $("r-ahead").textContent = ahead > 0 ? tr("r_ahead", {n: ahead}) : tr("r_next");
  const words = waitText(est, ahead);  // counted with this ticket's own place in line
  $("r-estimate").textContent = words ? tr("r_estimate", {e: words}) : "";
  $("r-time").textContent = tr("r_time", {t: clockText(at, config.hall.timezone)});
  $("r-where").textContent = whereServed(service.id, Boolean(how?.priority));
}

// Where the ticket will be served, floor by floor ("办理窗口：3、4、5 号 · 一楼"): the counters
// of its service, the love window too for a priority ticket (normal tickets rarely go there).
function whereServed(serviceId, priority) {
  const serving = config.windows.filter((w) => w.services === "all" || w.services.includes(serviceId));
  const usual = serving.filter((w) => (w.kind || "normal") === "normal" || (priority && w.kind === "love"));
  const windows = usual.length ? usual : serving;
  const floors = [...new Set(windows.map((w) => w.floor))];
  return floors.map((f) => {
    const numbers = windows.filter((w) => w.floor === f).map((w) => w.number);
    const floor = config.floors.find((x) => x.id === f);
    return tr(numbers.length > 1 ? "r_where" : "r_where_one",
              {w: numbers.join(listSep()), f: floor ? pick(floor.name) : f});
  }).join(tr("floors_sep"));
}

function apply(msg) {
  if (msg.type === "welcome" || msg.type === "config") {
    config = msg.config || config;
    buildPriority();
  }
  if (msg.type === "estimates") {
    estimates = msg;
    if (msg.at) offset = msg.at - Date.now() / 1000;
  }
  if (msg.type === "event" && msg.event.at) offset = msg.event.at - Date.now() / 1000;
  if (!$("v-start").hidden && msg.type !== "event") renderServices();
  if (msg.type === "welcome") renderServices();
}

// The priority path: its button names the hall's categories, its view offers them (those of the
// kiosk: the hall file's priority.categories; hub.js has the default list for a hub without them).
function buildPriority() {
  const categories = priorityCategories(config, {kiosk: true});
  $("go-priority").textContent = tr("priority_path", {who: priorityWords(config, {kiosk: true})});
  $("priority-kinds").replaceChildren(...categories.map((c) => el("button", {type: "button", dataset: {priority: c.id},
    onclick: () => { mode = {priority: c.id}; show("v-start"); }}, el("span", {text: pick(c.name)}))));
}

function buildStatic() {
  buildPriority();
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "✓"];
  $("keypad").replaceChildren(...keys.map((k) => el("button", {type: k === "✓" ? "submit" : "button", text: k,
    onclick: () => {
      const input = $("code");
      if (k === "⌫") input.value = input.value.slice(0, -1);
      else if (k !== "✓") input.value += k;
      poke();
    }})));
}

async function start(error) {
  who = await signIn({role: "kiosk", error});
  history.replaceState(null, "", `/kiosk?hall=${encodeURIComponent(who.hall)}` +
    (query("print") ? `&print=${query("print")}` : "") + (query("idle") ? `&idle=${query("idle")}` : ""));
  hub = new HubClient({role: "kiosk", hall: who.hall, token: who.token}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; if (!$("v-start").hidden) renderServices(); },
    fatal: (err) => { forget("kiosk", who.hall); start(errorText(err)); },
  }).start();
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
  reset();
}

await setupLang("kiosk", () => { buildStatic(); renderServices(); fillTicket(); });
document.querySelectorAll("[data-back]").forEach((b) => b.addEventListener("click", reset));
$("go-priority").addEventListener("click", () => show("v-priority"));
$("go-appointment").addEventListener("click", () => { $("code").value = ""; show("v-appointment"); });
$("appointment-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const code = $("code").value.trim().toUpperCase();
  if (code) checkIn(code);
});
$("print").addEventListener("click", () => window.print());
$("done").addEventListener("click", reset);
for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, poke, {passive: true});
setInterval(() => {
  if (config) $("clock").textContent = clockText(Date.now() / 1000 + offset, config.hall.timezone);
}, 1000);
window.signageKiosk = {get hub() { return hub; }, get last() { return lastTicket; }};
start(null);
