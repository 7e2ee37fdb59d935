// The window staff console (/staff?hall=H&window=N): docs/web.md.
import {HubClient, setupLang, tr, pick, signIn, forget, el, waitText, errorText, priorityCategories, priorityWords} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and staff.

const $ = (id) => document.getElementById(id);
let hub = null, who = null, config = null, windows = {}, estimates = {services: {}}, offset = 0, busy = false;

function mine() {
  // before sign-in (the clock ticks from the start) there is no window yet
  return (who && windows[String(who.window)]) || {state: "closed", served: 0, service_seconds: 0};
}

function servicesOfWindow() {
  const w = (config?.windows || []).find((x) => x.number === who.window);
  if (!w) return [];
  return w.services === "all" ? config.services.map((s) => s.id) : w.services;
}

function serviceName(id) {
  const s = (config?.services || []).find((x) => x.id === id);
  return s ? pick(s.name) : id;
}

function render() {
  if (!config) return;
  const w = mine();
  $("win-title").textContent = "· " + tr("window_n", {window: who.window});
  $("hall-name").textContent = pick(config.hall.name);
  const st = $("win-state");
  st.textContent = tr("st_" + w.state);
  st.className = "window-state " + w.state;
  $("win-reason").textContent = w.state === "paused" ? [w.reason, w.until && "→ " + w.until].filter(Boolean).join(" ") : "";
  if (w.ticket) {
    $("cur-number").textContent = w.ticket.number;
    $("cur-service").textContent = serviceName(w.ticket.service);
    $("cur-state").textContent = tr(w.ticket_state === "serving" ? "t_serving" : "t_called");
  } else {
    $("cur-number").textContent = "—";
    $("cur-service").textContent = "";
    $("cur-state").textContent = tr("free");
  }
  tick();
  $("served").textContent = w.served || 0;
  $("mean").textContent = w.served ? (w.service_seconds / w.served / 60).toFixed(1) : "—";
  const body = $("waiting");
  body.replaceChildren(...servicesOfWindow().map((id) => {
    const e = estimates.services?.[id] || {};
    const est = waitText(e) || "—";  // the one wording of estimates (hub.js)
    // ahead: whom a window calls before a new normal ticket of it (priority, green, due appointments too)
    return el("tr", {}, el("td", {text: serviceName(id)}), el("td", {text: String(e.waiting ?? "—")}),
      el("td", {text: String(e.ahead ?? e.waiting ?? "—")}), el("td", {text: est}));
  }));
  enable();
}

function tick() {
  const w = mine();
  if (!w.ticket || !w.since) {
    $("cur-elapsed").textContent = "";
    return;
  }
  const s = Math.max(0, Math.floor(Date.now() / 1000 + offset - w.since));
  $("cur-elapsed").textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function enable() {
  const w = mine();
  const can = {
    call_next: w.state !== "paused", recall: !!w.ticket, complete: !!w.ticket,
    skip: !!w.ticket && w.ticket_state === "called", requeue: w.state !== "paused", transfer: !!w.ticket,
    pause: !w.ticket && w.state !== "paused", resume: w.state === "paused", issue: true,
    call: w.state !== "paused", start: !!w.ticket && w.ticket_state === "called", close: !w.ticket && w.state !== "closed",
  };
  for (const b of document.querySelectorAll("#actions button")) {
    b.disabled = busy || !hub?.up || !can[b.dataset.cmd];
  }
}

function flash(text, kind) {
  const f = $("flash");
  f.textContent = text;
  f.className = "flash " + (kind || "");
}

// --- folding the hub's messages into this window's view ---------------------------------------
function apply(msg) {
  if (msg.type === "welcome") {
    config = msg.config || config;
    if (msg.snapshot) windows = msg.snapshot.windows || {};
  } else if (msg.type === "config") {
    config = msg.config;
  } else if (msg.type === "estimates") {
    estimates = msg;
    if (msg.at) offset = msg.at - Date.now() / 1000;
  } else if (msg.type === "event") {
    fold(msg.event);
  } else if (msg.type === "error") {
    flash(errorText(msg), "error");
  }
  render();
}

function fold(e) {
  if (e.at) offset = e.at - Date.now() / 1000;
  const w = e.window != null ? (windows[String(e.window)] ||= {number: e.window, state: "closed", served: 0, service_seconds: 0}) : null;
  const clear = (x) => { if (x && x.ticket && x.ticket.id === e.ticket.id) { x.ticket = null; x.ticket_state = null; x.since = null; } };
  switch (e.type) {
    case "day_started":
      for (const x of Object.values(windows)) { x.served = 0; x.service_seconds = 0; }
      break;
    case "ticket_called":
      Object.assign(w, {ticket: e.ticket, ticket_state: "called", since: e.at});
      if (w.state === "closed") w.state = "open";
      break;
    case "ticket_serving":
      if (w.ticket && w.ticket.id === e.ticket.id) w.ticket_state = "serving";
      break;
    case "ticket_completed":
      clear(w);
      w.served = (w.served || 0) + 1;
      w.service_seconds = (w.service_seconds || 0) + (e.service_seconds || 0);
      break;
    case "ticket_skipped": case "ticket_transferred":
      clear(w);
      break;
    case "ticket_cancelled":
      for (const x of Object.values(windows)) clear(x);
      break;
    case "window_opened": case "window_resumed":
      Object.assign(w, {state: "open", reason: null, until: null});
      break;
    case "window_paused":
      Object.assign(w, {state: "paused", reason: e.reason, until: e.until});
      break;
    case "window_closed":
      Object.assign(w, {state: "closed", reason: null, until: null});
      break;
  }
}

// --- commands ---------------------------------------------------------------------------------------
async function send(kind, fields = {}) {
  if (busy || !hub.up) return;
  busy = true;
  enable();
  flash(tr("sending"));
  const slow = setTimeout(() => flash(tr("waiting_hub")), 1500);
  try {
    // issue names no window (the ticket is the hall's); every other command names this one
    const result = await hub.request(kind === "issue" ? {type: kind, ...fields} : {type: kind, window: who.window, ...fields});
    const t = result.ticket?.number || fields.ticket || "";
    flash(tr("done_" + kind, {t, n: result.ahead ?? 0}), "good");
  } catch (err) {
    // the page's words for a known code, in the page's language only (hub.js errorText)
    const what = fields.ticket ? tr("ticket_said", {t: fields.ticket}) : "";
    flash(what + errorText(err), "error");
  } finally {
    clearTimeout(slow);
    busy = false;
    render();
  }
}

function ask(id, prepare) {
  const d = $(id);
  const form = d.querySelector("form");
  form.reset();
  if (prepare) prepare(form);
  return new Promise((resolve) => {
    d.onclose = () => resolve(d.returnValue === "ok" ? form : null);
    d.returnValue = "";
    d.showModal();
    // the dialog's own choice (Close window) takes Enter, never the Cancel before it: Chromium
    // does not always honour autofocus when the same dialog opens a second time
    d.querySelector("[autofocus]")?.focus();
  });
}

async function command(kind) {
  if (busy || !hub?.up) return;
  const button = document.querySelector(`#actions button[data-cmd="${kind}"]`);
  if (button?.disabled) return;
  if (kind === "call") {
    const f = await ask("d-call");
    if (f && f.elements.ticket.value.trim()) await send("call", {ticket: f.elements.ticket.value.trim().toUpperCase()});
  } else if (kind === "close") {
    if (await ask("d-close")) await send("close");
  } else if (kind === "requeue") {
    const f = await ask("d-requeue");
    if (f && f.elements.ticket.value.trim()) await send("requeue", {ticket: f.elements.ticket.value.trim().toUpperCase()});
  } else if (kind === "transfer") {
    const f = await ask("d-transfer", (form) => {
      const cur = mine().ticket?.service;
      form.elements.service.replaceChildren(...config.services.map((s) =>
        el("option", {value: s.id, selected: s.id === cur, text: `${s.prefix} · ${pick(s.name)}`})));
      form.elements.to_window.replaceChildren(el("option", {value: "", text: tr("any_window")}),
        ...config.windows.filter((w) => w.number !== who.window).map((w) =>
          el("option", {value: String(w.number), text: tr("window_n", {window: w.number})})));
    });
    if (f) {
      const fields = {service: f.elements.service.value};
      if (f.elements.to_window.value) fields.to_window = Number(f.elements.to_window.value);
      await send("transfer", fields);
    }
  } else if (kind === "pause") {
    const f = await ask("d-pause");
    if (f) {
      const fields = {reason: f.elements.reason.value.trim()};
      if (f.elements.until.value) fields.until = f.elements.until.value;
      await send("pause", fields);
    }
  } else if (kind === "issue") {
    const f = await ask("d-issue", (form) => {
      const own = servicesOfWindow();
      form.elements.service.replaceChildren(...config.services.map((s) =>
        el("option", {value: s.id, selected: s.id === own[0], text: `${s.prefix} · ${pick(s.name)}`})));
      // the hall's priority categories (its file's priority.categories; hub.js: the default list)
      form.elements.klass.querySelector("option[value=priority]").textContent =
        tr("class_priority", {who: priorityWords(config, {most: 3})});
      form.elements.priority.replaceChildren(...priorityCategories(config).map((c) =>
        el("option", {value: c.id, text: pick(c.name)})));
      const klass = () => {
        const green = form.elements.klass.value === "green";
        form.elements.reason.required = green;  // the hub refuses a green ticket without one, too
        form.elements.priority.disabled = green;
      };
      form.elements.klass.onchange = klass;
      klass();
    });
    if (f) {
      const reason = f.elements.reason.value.trim();
      const fields = {service: f.elements.service.value};
      if (f.elements.klass.value === "green") fields.green = true;
      else fields.priority = f.elements.priority.value;
      if (reason) fields.reason = reason;
      await send("issue", fields);
    }
  } else {
    await send(kind);
  }
}


const KEYS = {n: "call_next", r: "recall", c: "complete", s: "skip", q: "requeue", t: "transfer", p: "pause", u: "resume",
  g: "issue", j: "call", a: "start", x: "close"};

function onKey(ev) {
  if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) return;
  if (document.querySelector("dialog[open]")) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName)) return;
  const kind = KEYS[ev.key.toLowerCase()];
  if (!kind) return;
  ev.preventDefault();
  command(kind);
}

async function start(error) {
  who = await signIn({role: "window", needWindow: true, error});
  history.replaceState(null, "", `/staff?hall=${encodeURIComponent(who.hall)}&window=${who.window}`);
  hub = new HubClient({role: "window", hall: who.hall, token: who.token, window: who.window}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; enable(); },
    fatal: (err) => {
      forget("window", who.hall, who.window);
      start(errorText(err, {n: who.window}));
    },
  }).start();
  $("offline").hidden = true;
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
}

await setupLang("staff", () => render());
for (const b of document.querySelectorAll("#actions button")) b.addEventListener("click", () => command(b.dataset.cmd));
// Cancel is a plain button, so that Enter in a field submits with OK
for (const b of document.querySelectorAll("dialog [data-close]")) b.addEventListener("click", () => b.closest("dialog").close("cancel"));
document.addEventListener("keydown", onKey);
$("signout").addEventListener("click", () => {
  if (hub) hub.stop();
  forget("window", who.hall, who.window);
  location.reload();
});
setInterval(tick, 1000);
window.signageStaff = {get hub() { return hub; }, get windows() { return windows; }};
start(null);
