// The hall manager's page (/manage?hall=H): docs/web.md.
import {HubClient, setupLang, tr, pick, signIn, forget, el, clockText, waitText, errorText} from "/static/hub.js";

const T = {
  title: {"zh-Hans": "大厅管理", en: "Hall manager"},
  signout: {"zh-Hans": "退出", en: "Sign out"},
  offline: {"zh-Hans": "连接不上叫号服务器，正在重连…", en: "The hub cannot be reached; reconnecting…"},
  signin_title: {"zh-Hans": "管理员登录", en: "Manager sign-in"},
  hall: {"zh-Hans": "大厅", en: "Hall"},
  token: {"zh-Hans": "管理员令牌", en: "Manager token"},
  remember: {"zh-Hans": "在这台电脑上记住", en: "Remember on this PC"},
  signin: {"zh-Hans": "登录", en: "Sign in"},
  notice_h: {"zh-Hans": "紧急通知", en: "Urgent notice"},
  notice_none: {"zh-Hans": "当前没有通知", en: "No notice now"},
  notice_now: {"zh-Hans": "当前通知：{t}（{s}）", en: "Now showing: {t} ({s})"},
  all_screens: {"zh-Hans": "全部屏幕", en: "every screen"},
  text_zh: {"zh-Hans": "中文", en: "Chinese"},
  text_en: {"zh-Hans": "英文", en: "English"},
  style: {"zh-Hans": "样式", en: "Style"},
  banner: {"zh-Hans": "横幅", en: "Banner"},
  fullscreen: {"zh-Hans": "全屏", en: "Full screen"},
  to_screens: {"zh-Hans": "发送到（不选则全部屏幕）", en: "Screens (none ticked: every screen)"},
  push: {"zh-Hans": "发布通知", en: "Show notice"},
  clear: {"zh-Hans": "撤下通知", en: "Clear notice"},
  who_h: {"zh-Hans": "在线设备", en: "Connected"},
  role: {"zh-Hans": "类型", en: "Role"},
  which: {"zh-Hans": "哪一个", en: "Which"},
  address: {"zh-Hans": "地址", en: "Address"},
  since: {"zh-Hans": "连接时间", en: "Since"},
  refresh: {"zh-Hans": "刷新", en: "Refresh"},
  r_screen: {"zh-Hans": "屏幕", en: "Screen"},
  r_announcer: {"zh-Hans": "语音播报", en: "Announcer"},
  r_window: {"zh-Hans": "窗口", en: "Window"},
  r_kiosk: {"zh-Hans": "取号机", en: "Kiosk"},
  r_manager: {"zh-Hans": "管理", en: "Manager"},
  r_guide: {"zh-Hans": "引导台", en: "Guide"},
  g_screen: {"zh-Hans": "屏幕", en: "Screens"},
  g_announcer: {"zh-Hans": "语音播报", en: "Announcers"},
  g_window: {"zh-Hans": "窗口终端（叫号台、评价器）", en: "Window devices (consoles, rating pads)"},
  g_kiosk: {"zh-Hans": "取号机", en: "Kiosks"},
  g_guide: {"zh-Hans": "引导台", en: "Guide tablets"},
  g_manager: {"zh-Hans": "管理页面", en: "Manager pages"},
  g_ticket: {"zh-Hans": "手机排队页面", en: "Phones following a ticket"},
  g_other: {"zh-Hans": "其他", en: "Other"},
  who_total: {"zh-Hans": "共 {n} 个连接", en: "{n} connections"},
  who_all: {"zh-Hans": "每个连接（地址、连接时间）", en: "Every connection (address, since)"},
  who_none: {"zh-Hans": "没有设备在线", en: "Nothing is connected"},
  item_window: {"zh-Hans": "{n} 号窗口", en: "Window {n}"},
  times: {"zh-Hans": "×{n}", en: "×{n}"},
  item_title: {"zh-Hans": "{a}（{t} 起）", en: "{a} (since {t})"},
  queues_h: {"zh-Hans": "排队实况", en: "Queues now"},
  q_total: {"zh-Hans": "共 {n} 人等候", en: "{n} waiting in all"},
  q_services_cap: {"zh-Hans": "各业务的等候", en: "Waiting, by service"},
  q_windows_cap: {"zh-Hans": "各窗口的状态", en: "The windows"},
  service: {"zh-Hans": "业务", en: "Service"},
  waiting: {"zh-Hans": "等候人数", en: "Waiting"},
  longest: {"zh-Hans": "最长等候", en: "Longest wait"},
  estimate: {"zh-Hans": "新号预计等候", en: "A new ticket waits"},
  window: {"zh-Hans": "窗口", en: "Window"},
  w_state: {"zh-Hans": "状态", en: "State"},
  w_for: {"zh-Hans": "时长", en: "For"},
  served: {"zh-Hans": "今日办结", en: "Served today"},
  ws_free: {"zh-Hans": "空闲", en: "Free"},
  ws_called: {"zh-Hans": "已叫 {t}，等候到达", en: "Called {t}, on the way"},
  ws_serving: {"zh-Hans": "正在办理 {t}", en: "Serving {t}"},
  ws_paused: {"zh-Hans": "暂停", en: "Paused"},
  ws_closed: {"zh-Hans": "未开放", en: "Closed"},
  back_at: {"zh-Hans": "预计 {t} 恢复", en: "back at {t}"},
  age_lt1: {"zh-Hans": "不到 1 分钟", en: "under 1 min"},
  age_min: {"zh-Hans": "{m} 分钟", en: "{m} min"},
  age_hour: {"zh-Hans": "{h} 小时 {m} 分", en: "{h} h {m} min"},
  at_least: {"zh-Hans": "至少 {a}", en: "at least {a}"},
  shot_failed: {"zh-Hans": "{s} 没有发来截图（屏幕未回应或图片有误）", en: "No picture from {s} (the screen did not answer, or sent no PNG)"},
  shot_http: {"zh-Hans": "取截图失败（HTTP {n}），请再截一次", en: "Could not fetch the picture (HTTP {n}): take another"},
  offline_screens: {"zh-Hans": "未连接的屏幕：{s}", en: "Screens not connected: {s}"},
  all_online: {"zh-Hans": "所有屏幕都已连接", en: "Every screen is connected"},
  no_announcer: {"zh-Hans": "注意：没有语音播报在线", en: "Note: no announcer is connected"},
  messages_h: {"zh-Hans": "文明用语与提示（滚动字幕）", en: "Civility messages and notices (ticker)"},
  from_hall_file: {"zh-Hans": "现在使用大厅文件中的内容", en: "Now: the hall file's messages"},
  set_by_manager: {"zh-Hans": "现在使用管理员设置的内容", en: "Now: messages set by a manager"},
  add: {"zh-Hans": "添加一条", en: "Add one"},
  from_file: {"zh-Hans": "恢复为大厅文件中的内容", en: "Back to the hall file's"},
  save: {"zh-Hans": "保存并发布", en: "Save and publish"},
  remove: {"zh-Hans": "删除", en: "Remove"},
  k_civility: {"zh-Hans": "文明用语", en: "Civility"},
  k_notice: {"zh-Hans": "提示", en: "Notice"},
  k_policy: {"zh-Hans": "政策", en: "Policy"},
  shot_h: {"zh-Hans": "屏幕截图", en: "Screenshot"},
  screen: {"zh-Hans": "屏幕", en: "Screen"},
  shot: {"zh-Hans": "截图", en: "Take"},
  shot_wait: {"zh-Hans": "正在等待屏幕发送…", en: "Waiting for the screen…"},
  shot_done: {"zh-Hans": "{s}，{t}，{k} KB", en: "{s}, {t}, {k} KB"},
  done_set_notice: {"zh-Hans": "通知已发布", en: "Notice shown"},
  done_clear_notice: {"zh-Hans": "通知已撤下", en: "Notice cleared"},
  done_set_messages: {"zh-Hans": "字幕已更新", en: "Messages published"},
  need_text: {"zh-Hans": "请至少填写一种语言的内容", en: "Write the text in at least one language"},
  e_unauthorized: {"zh-Hans": "令牌不对，或不是这个大厅的管理员令牌", en: "Wrong token, or not a manager's token for this hall"},
  appointments_h: {"zh-Hans": "预约名单", en: "Appointments"},
  appointments_help: {"zh-Hans": "每行一个预约：预约码,业务,时间[,日期]，例如 AB1234,passport,09:30 或 AB1235,hukou-move,14:00,2026-11-24（可从预约系统导出后粘贴）",
                      en: "One appointment a line: code,service,time[,date], e.g. AB1234,passport,09:30 or AB1235,hukou-move,14:00,2026-11-24 (paste the booking system's export)"},
  book: {"zh-Hans": "导入预约", en: "Import"},
  booked: {"zh-Hans": "已导入 {n} 个预约", en: "{n} appointments imported"},
  bad_line: {"zh-Hans": "第 {n} 行：应为 预约码,业务,时间[,日期]", en: "line {n}: expected code,service,HH:MM[,YYYY-MM-DD]"},
  line_of: {"zh-Hans": "第 {n} 行：", en: "line {n}: "},
};

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
}

async function pushNotice() {
  const text = {};
  if ($("n-zh").value.trim()) text["zh-Hans"] = $("n-zh").value.trim();
  if ($("n-en").value.trim()) text.en = $("n-en").value.trim();
  if (!Object.keys(text).length) return flash(tr("need_text"), "error");
  const screens = [...$("n-screens").querySelectorAll("input:checked")].map((i) => i.value);
  const cmd = {type: "set_notice", text, style: $("n-style").value};
  if (screens.length) cmd.screens = screens;
  await send(cmd, "done_set_notice");
}

// --- messages -------------------------------------------------------------------------------------
function textOf(m) {
  return typeof m.text === "string" ? {"zh-Hans": m.text} : (m.text || {});
}

function renderMessages() {
  if (!config) return;
  $("messages-source").textContent = tr(messages ? "set_by_manager" : "from_hall_file");
  $("messages").replaceChildren(...rows.map((m, i) => {
    const t = textOf(m);
    const kind = el("select", {"aria-label": "kind", onchange: (e) => { m.kind = e.target.value; }},
      ["civility", "notice", "policy"].map((k) => el("option", {value: k, selected: (m.kind || "civility") === k, text: tr("k_" + k)})));
    const zh = el("input", {value: t["zh-Hans"] || "", "aria-label": tr("text_zh"), maxlength: 500,
      oninput: (e) => { m.text = {...textOf(m), "zh-Hans": e.target.value}; }});
    const en = el("input", {value: t.en || "", "aria-label": tr("text_en"), maxlength: 500,
      oninput: (e) => { m.text = {...textOf(m), en: e.target.value}; }});
    const rm = el("button", {class: "secondary", type: "button", text: tr("remove"), onclick: () => { rows.splice(i, 1); renderMessages(); }});
    return el("div", {class: "msg-row"}, kind, zh, en, rm);
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
  const label = (g, key) => g === "window" && /^\d+$/.test(key) ? tr("item_window", {n: key}) : key;
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
    const name = tr("item_window", {n: cw.number}) + (cw.label ? ` · ${pick(cw.label)}` : "");
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
  who = await signIn({role: "manager", error});
  history.replaceState(null, "", `/manage?hall=${encodeURIComponent(who.hall)}`);
  hub = new HubClient({role: "manager", hall: who.hall, token: who.token}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; },
    fatal: (err) => { forget("manager", who.hall); start(errorText(err)); },
  }).start();
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
}

setupLang(T, () => { renderNotice(); renderMessages(); renderWho(); renderQueues(); });
$("n-push").addEventListener("click", pushNotice);
$("n-clear").addEventListener("click", () => send({type: "clear_notice"}, "done_clear_notice"));
$("m-add").addEventListener("click", () => { rows.push({kind: "civility", text: {"zh-Hans": ""}}); renderMessages(); });
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
