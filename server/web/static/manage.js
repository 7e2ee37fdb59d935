// The hall manager's page (/manage?hall=H): docs/web.md.
import {setupLang, tr, pick, signInManager, forget, el, clockText, waitText, errorText, hallLanguages} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and manage.

const $ = (id) => document.getElementById(id);
let hub = null, who = null, config = null, notice = null, messages = null, rows = [], lastWho = null;

function flash(text, kind) {
  $("flash").textContent = text;
  $("flash").className = "flash " + (kind || "");
}

async function send(cmd, doneKey) {
  try {
    const result = await hub.request(cmd);
    if (doneKey) flash(tr(doneKey), "good");
    return result;
  } catch (err) {
    flash(errorText(err), "error");  // the page's words, in its language (hub.js)
    return null;
  }
}

// --- notice ---------------------------------------------------------------------------------------
function renderNotice() {
  if (!config) return;
  $("hall-name").textContent = "· " + pick(config.hall.name);
  $("notice-now").textContent = notice ? tr("notice_now", {t: pick(notice.text), s: (notice.screens || []).join(", ") || tr("all_screens")})
    : tr("notice_none");
  const box = $("n-screens");
  if (box.dataset.hall !== who.hall || box.children.length !== config.screens.length) {
    box.dataset.hall = who.hall;
    box.replaceChildren(...config.screens.map((s) => el("label", {}, el("input", {type: "checkbox", value: s.id}), s.id)));
    $("s-screen").replaceChildren(...config.screens.map((s) => el("option", {value: s.id, text: `${s.id} (${s.kind}, ${s.floor})`})));
  }
  noticeFields();
}

// The hall's languages, each with its own name ("中文", "English", "Español"): a notice and a
// ticker message are written in each of them.
function textLanguages() {
  const names = new Map(hallLanguages().map((x) => [x.tag, x.name]));
  const tags = config?.hall?.languages?.length ? config.hall.languages : [...names.keys()];
  return tags.map((tag) => ({tag, name: names.get(tag) ?? tag}));
}

// A notice's text box per language (#n-zh and #n-en for zh-Hans and en, #n-text-<tag> otherwise).
function noticeId(tag) {
  return tag === "zh-Hans" ? "n-zh" : tag === "en" ? "n-en" : `n-text-${tag}`;
}

function noticeFields() {
  const box = $("n-texts");
  const langs = textLanguages();
  const key = langs.map((x) => `${x.tag}=${x.name}`).join("|");
  if (box.dataset.langs === key) return;
  const kept = Object.fromEntries([...box.querySelectorAll("textarea")].map((t) => [t.dataset.lang, t.value]));
  box.dataset.langs = key;
  box.replaceChildren(...langs.flatMap((x) => [
    el("label", {for: noticeId(x.tag), lang: x.tag, text: x.name}),
    el("textarea", {id: noticeId(x.tag), maxlength: 500, lang: x.tag, dataset: {lang: x.tag}}, kept[x.tag] ?? ""),
  ]));
}

async function pushNotice() {
  const text = {};
  for (const t of $("n-texts").querySelectorAll("textarea")) if (t.value.trim()) text[t.dataset.lang] = t.value.trim();
  if (!Object.keys(text).length) return flash(tr("need_text"), "error");
  const screens = [...$("n-screens").querySelectorAll("input:checked")].map((i) => i.value);
  const cmd = {type: "set_notice", text, style: $("n-style").value};
  if (screens.length) cmd.screens = screens;
  await send(cmd, "done_set_notice");
}

// --- messages -------------------------------------------------------------------------------------
function textOf(m) {  // a plain text is in the hall's first language
  return typeof m.text === "string" ? {[config?.hall?.languages?.[0] ?? "zh-Hans"]: m.text} : (m.text || {});
}

function renderMessages() {
  if (!config) return;
  $("messages-source").textContent = tr(messages ? "set_by_manager" : "from_hall_file");
  const langs = textLanguages();
  $("messages").replaceChildren(...rows.map((m, i) => {
    const t = textOf(m);
    const kind = el("select", {"aria-label": tr("msg_kind"), onchange: (e) => { m.kind = e.target.value; }},
      ["civility", "notice", "policy"].map((k) => el("option", {value: k, selected: (m.kind || "civility") === k, text: tr("k_" + k)})));
    const inputs = langs.map((x) => el("input", {value: t[x.tag] || "", "aria-label": x.name, lang: x.tag, maxlength: 500,
      oninput: (e) => { m.text = {...textOf(m), [x.tag]: e.target.value}; }}));
    const rm = el("button", {class: "secondary", type: "button", text: tr("remove"), onclick: () => { rows.splice(i, 1); renderMessages(); }});
    const row = el("div", {class: "msg-row"}, kind, ...inputs, rm);
    row.style.gridTemplateColumns = `8em repeat(${langs.length}, 1fr) auto`;  // CSSOM: allowed by the CSP
    return row;
  }));
}

function editable() {
  return JSON.parse(JSON.stringify(messages ?? config.messages ?? []));
}

async function saveMessages() {
  const clean = [];
  for (const m of rows) {
    const text = Object.fromEntries(Object.entries(textOf(m)).filter(([, v]) => v && v.trim()).map(([k, v]) => [k, v.trim()]));
    if (!Object.keys(text).length) continue;
    const out = {...m, text};
    clean.push(out);
  }
  if (await send({type: "set_messages", messages: clean}, "done_set_messages")) {
    rows = JSON.parse(JSON.stringify(clean));
  }
}

// --- appointments -------------------------------------------------------------------------------
async function book() {
  const lines = $("a-list").value.split("\n");
  const items = [], lineOf = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw || raw.startsWith("#")) continue;
    const [code, service, slot, day] = raw.split(/[,，\t]/).map((x) => x.trim());
    if (!code || !service || !/^\d{1,2}:\d{2}$/.test(slot || "") || (day && !/^\d{4}-\d{2}-\d{2}$/.test(day))) {
      $("a-msg").textContent = tr("bad_line", {n: i + 1});
      return;
    }
    const item = {code, service, slot: slot.padStart(5, "0")};
    if (day) item.day = day;
    items.push(item);
    lineOf.push(i + 1);
  }
  if (!items.length) return;
  try {
    await hub.request({type: "book", appointments: items});
    $("a-msg").textContent = tr("booked", {n: items.length});
  } catch (err) {
    // "appointments[3].service: ..." -> the line it came from
    const m = /^(?:book: )?appointments(?:\[(\d+)\]|\.(\d+))\.?/.exec(err.message || "");
    $("a-msg").textContent = (m ? tr("line_of", {n: lineOf[Number(m[1] ?? m[2])]}) : "") + errorText(err);
  }
}

// --- who ------------------------------------------------------------------------------------------
async function refreshWho() {
  if (!hub?.up) return;
  let result;
  try {
    result = await hub.request({type: "who"});
  } catch (err) {
    return;
  }
  lastWho = result;
  renderWho();
}

function renderWho() {
  if (!lastWho || !config) return;
  const tz = config.hall.timezone;
  const clients = lastWho.clients || [];
  // every connection, for who needs the addresses (folded away by default)
  $("who").replaceChildren(...clients.map((c) => el("tr", {dataset: {role: c.role, screen: c.screen || ""}},
    el("td", {text: tr("r_" + c.role)}),
    el("td", {text: c.screen || (c.window ? `#${c.window}` : c.zone || c.name)}),
    el("td", {text: c.address}),
    el("td", {text: clockText(c.since, tz)}))));
  // by kind, each device once with a count: "Window 3 ×3" rather than three rows
  const groups = new Map(GROUPS.map((g) => [g, new Map()]));
  for (const c of clients) {
    const g = groups.has(c.role) ? c.role : "other";
    if (!groups.has(g)) groups.set(g, new Map());
    const key = c.role === "screen" ? c.screen || c.name : c.role === "window" ? String(c.window ?? c.name)
      : c.role === "announcer" ? c.zone || c.name : c.name || c.role;
    const items = groups.get(g);
    if (!items.has(key)) items.set(key, []);
    items.get(key).push(c);
  }
  const label = (g, key) => g === "window" && /^\d+$/.test(key) ? tr("window_n", {window: key}) : key;
  const order = (g, a, b) => g === "window" ? Number(a) - Number(b) : a.localeCompare(b);
  const out = [];
  for (const [g, items] of groups) {
    const n = [...items.values()].reduce((k, list) => k + list.length, 0);
    if (!n) continue;
    const chips = [...items.keys()].sort((a, b) => order(g, a, b)).map((key) => {
      const list = items.get(key);
      const title = list.map((c) => tr("item_title", {a: c.address, t: clockText(c.since, tz)})).join("\n");
      return el("li", {class: "chip", title, dataset: {key, count: String(list.length)}},
        label(g, key), list.length > 1 ? el("b", {text: " " + tr("times", {n: list.length})}) : null);
    });
    out.push(el("div", {class: "who-group", dataset: {role: g, count: String(n)}},
      el("h3", {}, tr("g_" + g), " ", el("span", {class: "count", text: String(n)})), el("ul", {}, chips)));
  }
  if (lastWho.ticket_pages) {
    out.push(el("div", {class: "who-group", dataset: {role: "ticket", count: String(lastWho.ticket_pages)}},
      el("h3", {}, tr("g_ticket"), " ", el("span", {class: "count", text: String(lastWho.ticket_pages)}))));
  }
  $("who-groups").replaceChildren(...(out.length ? out : [el("p", {class: "muted", text: tr("who_none")})]));
  $("who-total").textContent = tr("who_total", {n: clients.length + (lastWho.ticket_pages || 0)});
  const online = new Set(clients.filter((c) => c.role === "screen").map((c) => c.screen));
  const missing = config.screens.map((s) => s.id).filter((id) => !online.has(id));
  let note = missing.length ? tr("offline_screens", {s: missing.join(", ")}) : tr("all_online");
  if (!clients.some((c) => c.role === "announcer")) note += " · " + tr("no_announcer");
  $("who-note").textContent = note;
}
const GROUPS = ["screen", "announcer", "window", "kiosk", "guide", "manager"];

// --- the queues, live -----------------------------------------------------------------------------
// Folded from what this connection receives (docs/protocol.md): the welcome's snapshot (windows,
// waiting counts, and `waiting_since`: when each waiting ticket was issued), every event after it,
// and the estimates (their waiting counts are the hub's own).
const Q = {seq: null, windows: {}, waiting: {}, tickets: new Map(), issued: new Map(), left: new Set(),
           exact: false, watched: null, estimates: {}, offset: null};

function hubNow() {
  return Date.now() / 1000 + (Q.offset ?? 0);
}

// The hub's clock, from the times it sends: each is at most "now" there (replayed events and the
// estimates a newcomer gets are older), so the largest offset seen since the snapshot is the best.
function heard(at) {
  if (typeof at !== "number") return;
  const offset = at - Date.now() / 1000;
  Q.offset = Q.offset == null ? offset : Math.max(Q.offset, offset);
}

function qSnapshot(snap, seq) {
  Q.seq = seq;
  Q.windows = JSON.parse(JSON.stringify(snap.windows || {}));
  Q.waiting = {...(snap.waiting || {})};
  Q.tickets = new Map();
  Q.left = new Set();
  Q.exact = !!snap.waiting_since;  // a hub without it: ages only of the tickets issued while watching
  for (const [service, list] of Object.entries(snap.waiting_since || {})) {
    for (const [id, at] of Object.entries(list)) {
      Q.tickets.set(id, {service, at});
      Q.issued.set(id, at);
    }
  }
  Q.offset = null;  // a new snapshot: learn the hub's clock again (it may have been set back)
  Q.watched = null;
}

function qWindow(n) {
  if (n == null) return null;
  return (Q.windows[String(n)] ||= {number: n, state: "closed", served: 0, service_seconds: 0});
}

function qWaiting(ticket, service, n, at) {
  service = service || ticket?.service;
  if (!service) return;
  Q.waiting[service] = Math.max(0, (Q.waiting[service] || 0) + n);
  if (!ticket) return;
  if (n > 0) {
    Q.left.delete(ticket.id);
    Q.tickets.set(ticket.id, {service, at: Q.issued.get(ticket.id) ?? at});
  } else {
    Q.left.add(ticket.id);
    Q.tickets.delete(ticket.id);
  }
}

function qFree(w, ticket) {
  if (w && w.ticket && (!ticket || w.ticket.id === ticket.id)) Object.assign(w, {ticket: null, ticket_state: null, since: null});
}

function qEvent(e, seq) {
  if (typeof seq === "number") Q.seq = seq;
  heard(e.at);
  const w = qWindow(e.window), t = e.ticket;
  switch (e.type) {
    case "day_started":
      for (const x of Object.values(Q.windows)) Object.assign(x, {served: 0, service_seconds: 0});
      break;
    case "ticket_issued":
      if (t?.issued_at != null) Q.issued.set(t.id, t.issued_at);
      qWaiting(t, null, 1, t?.issued_at ?? e.at);
      break;
    case "ticket_called": case "ticket_recalled":
      if (e.type === "ticket_called" && t && !Q.left.has(t.id)) qWaiting(t, null, -1);
      if (w) {
        if (!(e.type === "ticket_recalled" && w.ticket?.id === t?.id)) Object.assign(w, {ticket: t, ticket_state: "called", since: e.at});
        if (w.state === "closed") w.state = "open";
      }
      break;
    case "ticket_serving":
      if (w) Object.assign(w, {ticket: t, ticket_state: "serving", since: e.at ?? w.since});
      break;
    case "ticket_completed":
      qFree(w, t);
      if (w) { w.served = (w.served || 0) + 1; w.service_seconds = (w.service_seconds || 0) + (e.service_seconds || 0); }
      break;
    case "ticket_skipped":
      qFree(w, t);
      break;
    case "ticket_requeued":
      qWaiting(t, null, 1, e.at);
      break;
    case "ticket_transferred":
      qFree(w, t);
      qWaiting(t, e.to_service || t?.service, 1, e.at);
      break;
    case "ticket_cancelled": {
      const at = Object.values(Q.windows).filter((x) => x.ticket && t && x.ticket.id === t.id);
      for (const x of at) qFree(x, t);
      if (!at.length && t && !Q.left.has(t.id)) qWaiting(t, null, -1);
      break;
    }
    case "window_opened": case "window_resumed":
      if (w) Object.assign(w, {state: "open", reason: null, until: null});
      break;
    case "window_paused":
      if (w) Object.assign(w, {state: "paused", reason: e.reason, until: e.until});
      break;
    case "window_closed":
      if (w) Object.assign(w, {state: "closed", reason: null, until: null});
      break;
  }
}

function qEstimates(msg) {
  Q.estimates = msg.services || {};
  heard(msg.at);
  // the hub's counts are authoritative, unless older than the events already folded in
  if (typeof msg.seq === "number" && Q.seq != null && msg.seq < Q.seq) return;
  for (const [s, e] of Object.entries(Q.estimates)) if (Number.isInteger(e.waiting) && e.waiting >= 0) Q.waiting[s] = e.waiting;
}

function ageText(seconds) {
  const m = Math.floor(Math.max(0, seconds) / 60);
  if (m < 1) return tr("age_lt1");
  if (m < 60) return tr("age_min", {m});
  return tr("age_hour", {h: Math.floor(m / 60), m: m % 60});
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, "0"), ss = String(s % 60).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

function renderQueues() {
  if (!config) return;
  const now = hubNow();
  let total = 0;
  $("q-services").replaceChildren(...config.services.map((s) => {
    const n = Q.waiting[s.id] || 0;
    total += n;
    const known = [...Q.tickets.values()].filter((t) => t.service === s.id && typeof t.at === "number");
    let longest = "—";
    if (n > 0) {
      const oldest = known.length ? Math.min(...known.map((t) => t.at)) : null;
      if (!Q.exact && known.length < n) {  // some were issued before this page watched
        Q.watched ??= now;
        const floor = Math.max(now - Q.watched, oldest != null ? now - oldest : 0);
        longest = tr("at_least", {a: ageText(floor)});
      } else if (oldest != null) {
        longest = ageText(now - oldest);
      }
    }
    const est = waitText(Q.estimates[s.id] || null, n) || "—";
    return el("tr", {dataset: {service: s.id, waiting: String(n)}},
      el("td", {text: `${s.prefix} · ${pick(s.name)}`}), el("td", {class: "num", text: String(n)}),
      el("td", {class: "longest", text: longest}), el("td", {text: est}));
  }));
  $("q-total").textContent = tr("q_total", {n: total});
  $("q-windows").replaceChildren(...config.windows.map((cw) => {
    const w = Q.windows[String(cw.number)] || {state: "closed"};
    let state, kind = w.state;
    if (w.state === "paused") state = [tr("ws_paused"), w.reason, w.until && tr("back_at", {t: w.until})].filter(Boolean).join(" · ");
    else if (w.state === "closed" && !w.ticket) state = tr("ws_closed");
    else if (w.ticket) { kind = w.ticket_state || "called"; state = tr("ws_" + kind, {t: w.ticket.number}); }
    else { kind = "free"; state = tr("ws_free"); }
    const name = tr("window_n", {window: cw.number}) + (cw.label ? ` · ${pick(cw.label)}` : "");
    return el("tr", {dataset: {window: String(cw.number), state: kind}},
      el("td", {text: name}), el("td", {}, el("span", {class: "window-state " + kind, text: state})),
      el("td", {class: "num", text: w.ticket && w.since ? clock(now - w.since) : ""}),
      el("td", {class: "num", text: String(w.served || 0)}));
  }));
}

// --- screenshots ----------------------------------------------------------------------------------
let shotRequest = null;
async function askShot() {
  $("s-msg").textContent = tr("shot_wait");
  const result = await send({type: "screenshot", screen: $("s-screen").value});
  if (!result) { $("s-msg").textContent = ""; return; }
  shotRequest = result.request;
}

async function shotReady(msg) {
  if (msg.request !== shotRequest) return;
  const r = await fetch(msg.url, {headers: {Authorization: `Bearer ${who.token}`}});
  if (!r.ok) { $("s-msg").textContent = tr("shot_http", {n: r.status}); return; }
  const blob = await r.blob();
  const img = $("s-img");
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
  img.alt = msg.screen;
  img.hidden = false;
  img.dataset.screen = msg.screen;
  $("s-msg").textContent = tr("shot_done", {s: msg.screen, t: clockText(Date.now() / 1000, config.hall.timezone, true), k: Math.round(msg.bytes / 1024)});
}

// --- the hub's messages ---------------------------------------------------------------------------
function apply(msg) {
  switch (msg.type) {
    case "welcome":
      config = msg.config || config;
      if (msg.snapshot) {
        notice = msg.snapshot.notice;
        messages = msg.snapshot.messages;
        qSnapshot(msg.snapshot, msg.seq);
      }
      renderQueues();
      rows = editable();
      renderNotice();
      renderMessages();
      refreshWho();
      break;
    case "config":
      config = msg.config;
      renderNotice();
      renderQueues();
      break;
    case "event":
      qEvent(msg.event || {}, msg.seq);
      renderQueues();
      break;
    case "estimates":
      qEstimates(msg);
      renderQueues();
      break;
    case "notice":
      notice = msg.notice;
      renderNotice();
      break;
    case "messages":
      messages = msg.messages;
      renderMessages();
      break;
    case "screenshot_ready":
      shotReady(msg);
      break;
    case "screenshot_failed":
      if (msg.request === shotRequest) $("s-msg").textContent = tr("shot_failed", {s: msg.screen});
      break;
    case "error":
      flash(errorText(msg), "error");
      break;
  }
}

async function start(error) {
  ({who, hub} = await signInManager("manage", {message: apply, restart: start}, error));
  $("to-edit").href = `/edit?hall=${encodeURIComponent(who.hall)}`;
}

await setupLang("manage", () => { renderNotice(); renderMessages(); renderWho(); renderQueues(); });
$("n-push").addEventListener("click", pushNotice);
$("n-clear").addEventListener("click", () => send({type: "clear_notice"}, "done_clear_notice"));
$("m-add").addEventListener("click", () => { rows.push({kind: "civility", text: {}}); renderMessages(); });
$("m-file").addEventListener("click", () => { rows = JSON.parse(JSON.stringify(config.messages || [])); renderMessages(); });
$("m-save").addEventListener("click", saveMessages);
$("who-refresh").addEventListener("click", refreshWho);
$("s-ask").addEventListener("click", askShot);
$("a-book").addEventListener("click", book);
$("signout").addEventListener("click", () => { if (hub) hub.stop(); forget("manager", who.hall); location.reload(); });
setInterval(refreshWho, 5000);
setInterval(renderQueues, 1000);  // the ages and the time at each window
window.signageManage = {get hub() { return hub; }, queues: Q};
start(null);
