// Shared by every page the hub serves (docs/web.md): the websocket client, the
// sign-in form, and the two languages. No build step, no library, nothing from
// the internet.
//
// HubClient: connects to the hub that served the page, says hello (with `since`
// after a drop, so the hub replays what was missed), reconnects by itself with
// jittered backoff (0.5 s doubling to 10 s), pings every 15 s to notice a dead
// link, and gives every command a request id. A command waiting for its answer
// when the line drops is sent again with the *same* id after the reconnect: the
// hub answers a repeated id with the first answer and acts once.

export const LANGS = ["zh-Hans", "en"];

// The priority categories (免预约优先) the kiosk, the staff console and the entrance guide offer:
// the hall file's `priority.categories` ({id, name, short, kiosk}, docs/hall-format.md), which
// come with the hall in the welcome and config frames. A hub older than them sends none: then
// the hall format's default list, the same as signage/config/model.py's.
export const DEFAULT_PRIORITY = [
  {id: "elderly", name: {"zh-Hans": "老年人（60岁以上）", en: "Elderly (60+)"}, short: {"zh-Hans": "老人", en: "elderly"}},
  {id: "disabled", name: {"zh-Hans": "残疾人", en: "Disabled"}, short: {"zh-Hans": "残疾人", en: "disabled"}},
  {id: "pregnant", name: {"zh-Hans": "孕妇", en: "Pregnant"}, short: {"zh-Hans": "孕妇", en: "pregnant"}},
  {id: "infant", name: {"zh-Hans": "携带婴幼儿", en: "With an infant"}, short: {"zh-Hans": "带婴幼儿", en: "with infants"}},
  {id: "military", name: {"zh-Hans": "现役军人、消防救援人员", en: "Military, fire and rescue"}, short: {"zh-Hans": "军人", en: "military"}},
  {id: "other", name: {"zh-Hans": "其他", en: "Other"}, kiosk: false},
];

// The hall's categories (`kiosk`: only those offered on the kiosk's priority path).
export function priorityCategories(config, {kiosk = false} = {}) {
  const listed = config?.priority?.categories;
  const all = Array.isArray(listed) && listed.length ? listed : DEFAULT_PRIORITY;
  return kiosk ? all.filter((c) => c.kiosk !== false) : all;
}

// A category's name in the page's language (its id when the hall lists no such category).
export function priorityName(config, id, l = lang) {
  const c = priorityCategories(config).find((x) => x.id === id);
  return c ? pick(c.name, l) : String(id ?? "");
}

// The categories' short words as one list ("老人、残疾人、孕妇…", "elderly, disabled, pregnant…"):
// at most `most` of them, an ellipsis after when there are more.
export function priorityWords(config, {kiosk = false, most = Infinity} = {}, l = lang) {
  const all = priorityCategories(config, {kiosk});
  const words = all.slice(0, most).map((c) => pick(c.short ?? c.name, l));
  const chinese = String(l).startsWith("zh");
  return words.join(chinese ? "、" : ", ") + (all.length > most ? "…" : "");
}

// ---------------------------------------------------------------- languages
let lang = null;
let dict = {};
const langListeners = [];

export function currentLang() {
  return lang;
}

export function setupLang(dictionary, onChange) {
  dict = dictionary;
  if (onChange) langListeners.push(onChange);
  const q = new URLSearchParams(location.search).get("lang");
  const stored = localStorage.getItem("signage.lang");
  const guess = (navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh-Hans" : "en";
  setLang(LANGS.includes(q) ? q : LANGS.includes(stored) ? stored : guess, false);
  for (const b of document.querySelectorAll("[data-lang-switch]")) {
    b.addEventListener("click", () => setLang(lang === "en" ? "zh-Hans" : "en", true));
  }
}

export function setLang(value, remember) {
  lang = value;
  if (remember) localStorage.setItem("signage.lang", value);
  document.documentElement.lang = value;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tr(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = tr(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", tr(el.dataset.i18nLabel));
  for (const b of document.querySelectorAll("[data-lang-switch]")) b.textContent = value === "en" ? "中文" : "English";
  for (const f of langListeners) f(value);
}

// A text of the page's dictionary, with {name} fields filled in.
export function tr(key, vars = {}) {
  const entry = dict[key];
  let s = entry ? (entry[lang] ?? entry["zh-Hans"] ?? key) : key;
  for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// A text from the hall file ({"zh-Hans": ..., "en": ...} or a plain string) in the current language.
export function pick(text, l = lang) {
  if (text == null) return "";
  if (typeof text === "string") return text;
  return text[l] ?? (l === "en" ? null : text["zh-Hans"] ?? text["zh-Hant"]) ?? text["zh-Hans"] ?? text.en ?? Object.values(text)[0] ?? "";
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null) e.append(c);
  return e;
}

export function query(name) {
  return new URLSearchParams(location.search).get(name);
}

// ---------------------------------------------------------------- the hub's refusals, in words
// An `error` frame carries a `code` (docs/protocol.md, "Error codes") and an English `message`
// for logs. A page shows its own words for a code it knows, in the page's language only (the
// page's dictionary first: its `e_<code>` entries say it for that page; then the table below),
// and the hub's message only for a code it does not know. {s}: a rate limit's seconds; `vars`
// fill the page's own fields ({n}...).
export const ERROR_WORDS = {
  // the frame itself, the connection, the hub
  e_bad_json: {"zh-Hans": "页面发出的消息有误，请刷新页面", en: "The page sent something the hub could not read: reload the page"},
  e_binary_frame: {"zh-Hans": "页面发出的消息有误，请刷新页面", en: "The page sent something the hub could not read: reload the page"},
  e_too_large: {"zh-Hans": "内容太长，请删减后再试", en: "Too long: shorten it and try again"},
  e_bad_message: {"zh-Hans": "页面发出的消息有误，请刷新页面", en: "The page sent something the hub could not read: reload the page"},
  e_unknown_type: {"zh-Hans": "服务器不认识这个操作，请刷新页面", en: "The hub does not know this command: reload the page"},
  e_bad_field: {"zh-Hans": "填写的内容有误（不能含控制字符或换行），请检查后重试", en: "Something filled in is not valid (no control characters or line breaks): check it and try again"},
  e_hello_first: {"zh-Hans": "连接出错，请刷新页面", en: "The connection went wrong: reload the page"},
  e_unauthorized: {"zh-Hans": "令牌不对，或不能用于这里", en: "Wrong token, or not a token for this"},
  e_unknown_hall: {"zh-Hans": "没有这个大厅，请核对大厅代号", en: "No such hall: check the hall id"},
  e_unknown_window: {"zh-Hans": "大厅文件里没有这个窗口", en: "That window is not in the hall file"},
  e_unknown_screen: {"zh-Hans": "大厅文件里没有这块屏幕", en: "That screen is not in the hall file"},
  e_unknown_zone: {"zh-Hans": "大厅文件里没有这个楼层或区域", en: "That floor or zone is not in the hall file"},
  e_forbidden: {"zh-Hans": "这个令牌不能做这项操作", en: "This token may not do that"},
  e_rate_limited: {"zh-Hans": "操作太频繁，请 {s} 秒后再试", en: "Too many at once: try again in {s} s"},
  e_unavailable: {"zh-Hans": "服务器正在重启，连上后请再试一次", en: "The hub is restarting: try again once it is back"},
  e_too_many_connections: {"zh-Hans": "连接太多，请稍后再试", en: "Too many connections: try again shortly"},
  e_internal_error: {"zh-Hans": "服务器处理出错（已记录），请再试一次或联系管理员", en: "The hub failed on this (logged): try again or tell the administrator"},
  e_storage_error: {"zh-Hans": "服务器保存失败，请联系管理员", en: "The hub could not save it: tell the administrator"},
  e_config_invalid: {"zh-Hans": "大厅文件有错误，未生效", en: "The hall file has errors; it was not applied"},
  e_duplicate_id: {"zh-Hans": "这项操作已经发送过了", en: "This command was sent already"},
  e_unsupported: {"zh-Hans": "服务器不办理这个操作", en: "The hub does not handle this command"},
  // tickets and appointments
  e_unknown_service: {"zh-Hans": "没有这项业务", en: "No such service"},
  e_unknown_priority: {"zh-Hans": "本大厅没有这个优先类别，请刷新页面", en: "This hall has no such priority category: reload the page"},
  e_service_closed: {"zh-Hans": "这项业务现在不办理", en: "This service is closed now"},
  e_hall_closed: {"zh-Hans": "现在不是办公时间，不能取号", en: "The hall is closed now: tickets are issued during opening hours"},
  e_numbers_exhausted: {"zh-Hans": "今天这项业务的号已经取完", en: "Today's numbers for this service are used up"},
  e_unknown_priority: {"zh-Hans": "没有这个优先类别", en: "No such priority category"},
  e_reason_required: {"zh-Hans": "绿色通道须写明原因", en: "A green-channel ticket needs a reason"},
  e_bad_reason: {"zh-Hans": "只有绿色通道或优先号才填写原因", en: "A reason goes with a green-channel or priority ticket only"},
  e_unknown_appointment: {"zh-Hans": "找不到这个预约码，请核对", en: "No appointment with this code: check it"},
  e_wrong_day: {"zh-Hans": "这个预约不是今天的", en: "This appointment is not for today"},
  e_already_checked_in: {"zh-Hans": "这个预约已经签到取号", en: "This appointment has checked in already"},
  e_wrong_service: {"zh-Hans": "这个预约是另一项业务的", en: "This appointment is for another service"},
  e_no_appointments: {"zh-Hans": "这项业务不接受预约", en: "This service takes no appointments"},
  e_bad_appointment: {"zh-Hans": "预约有误：日期已过，或预约码重复", en: "Not a valid appointment: a past day, or a code twice"},
  e_nothing_to_cancel: {"zh-Hans": "这个范围内没有等候或过号的号", en: "No waiting or skipped ticket in that range"},
  e_too_many: {"zh-Hans": "一次取消的号太多，请分几次", en: "Too many tickets at once: split the range"},
  // windows
  e_window_paused: {"zh-Hans": "窗口暂停中，请先恢复", en: "The window is paused: resume it first"},
  e_window_busy: {"zh-Hans": "请先办结或过号当前的号", en: "Complete or skip the ticket at the counter first"},
  e_nothing_waiting: {"zh-Hans": "没有等候的群众", en: "Nobody is waiting for this window"},
  e_nothing_called: {"zh-Hans": "本窗口没有正在办理的号", en: "No ticket at this window"},
  e_recall_limit: {"zh-Hans": "重呼次数已到上限，请按过号", en: "Recalled enough times: mark it as a no-show"},
  e_already_serving: {"zh-Hans": "群众已到达，正在办理", en: "The citizen is already being served"},
  e_unknown_ticket: {"zh-Hans": "今天没有这个号，请核对票号", en: "No such ticket today (check the number)"},
  e_ticket_not_waiting: {"zh-Hans": "这个号不在等候（已叫、已办结或已过号）", en: "That ticket is not waiting (called, served or skipped already)"},
  e_not_for_this_window: {"zh-Hans": "本窗口不办理这个号的业务", en: "This window does not serve that ticket's service"},
  e_not_skipped: {"zh-Hans": "只有过号的号才能重排", en: "Only a skipped ticket can be requeued"},
  e_requeue_expired: {"zh-Hans": "过号太久，不能重排，请重新取号", en: "Skipped too long ago to requeue: take a new ticket"},
  e_bad_transfer: {"zh-Hans": "请选一个能办理的业务或窗口（不能转回原处）", en: "Choose a service or a window that serves it, not where it is now"},
  e_already_paused: {"zh-Hans": "窗口已经暂停", en: "The window is paused already"},
  e_not_paused: {"zh-Hans": "窗口没有暂停", en: "The window is not paused"},
  e_already_open: {"zh-Hans": "窗口已经开放", en: "The window is open already"},
  e_already_closed: {"zh-Hans": "窗口已经关闭", en: "The window is closed already"},
  // ratings, the manager's commands
  e_nothing_to_rate: {"zh-Hans": "本窗口今天还没有办结的业务可评价", en: "Nothing served at this window today to rate"},
  e_not_served_here: {"zh-Hans": "这个号不是在本窗口办理的", en: "That ticket was not served at this window"},
  e_already_rated: {"zh-Hans": "这次服务已经评价过了", en: "This service has been rated already"},
  e_bad_messages: {"zh-Hans": "字幕内容有误，请检查", en: "A message is not valid: check them"},
  e_bad_notice: {"zh-Hans": "通知须至少填写一种语言", en: "A notice needs text in at least one language"},
  e_no_notice: {"zh-Hans": "现在没有通知可撤下", en: "There is no notice to clear"},
  e_screen_offline: {"zh-Hans": "这块屏幕没有连接", en: "That screen is not connected"},
  e_unknown_request: {"zh-Hans": "截图请求已过期，请再截一次", en: "That screenshot request has expired: take another"},
};

// The words for an error ({code, message, retry_after}) in the page's language; the hub's own
// message (with its code) only for a code neither the page nor ERROR_WORDS knows.
export function errorText(err, vars = {}, l = lang) {
  const code = err?.code ?? "";
  const entry = dict["e_" + code] ?? ERROR_WORDS["e_" + code];
  if (!entry) return [code, err?.message].filter(Boolean).join(": ");
  let s = entry[l] ?? entry["zh-Hans"];
  const secs = typeof err.retry_after === "number" ? Math.max(1, Math.ceil(err.retry_after)) : 1;
  for (const [k, v] of Object.entries({s: secs, ...vars})) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// Is this a code the page has words for (its own or ERROR_WORDS)?
export function knownError(code) {
  return !!(dict["e_" + code] ?? ERROR_WORDS["e_" + code]);
}

// ---------------------------------------------------------------- the client
const FATAL = new Set(["unauthorized", "unknown_hall", "unknown_window", "unknown_screen", "unknown_ticket",
                       "hello_first", "bad_field"]);

export class HubClient {
  // hello: the fields of the hello message (role, hall, token, window, ticket...).
  // on: {message(msg), status(up), fatal(error)} callbacks.
  constructor(hello, on = {}) {
    this.hello = hello;
    this.on = on;
    this.since = null;
    this.seq = null;
    this.up = false;
    this.stopped = false;
    this.delay = 500;
    this.pending = new Map();  // id -> {msg, resolve, reject}
    this.prefix = `${hello.role}-${Math.random().toString(36).slice(2, 8)}-`;
    this.count = 0;
    this.ws = null;
    this.lastHeard = 0;
  }

  start() {
    this.stopped = false;
    this._connect();
    this._pinger = setInterval(() => this._ping(), 15000);
    return this;
  }

  stop() {
    this.stopped = true;
    clearInterval(this._pinger);
    clearTimeout(this._retry);
    if (this.ws) this.ws.close();
  }

  // Send a command; resolves with the ok's result, rejects with {code, message}.
  // The id is kept until the answer comes, across reconnects.
  request(command) {
    const id = this.prefix + (++this.count);
    const msg = {...command, id};
    return new Promise((resolve, reject) => {
      this.pending.set(id, {msg, resolve, reject});
      if (this.up) this._send(msg);
    });
  }

  _url() {
    return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
  }

  _connect() {
    let ws;
    try {
      ws = new WebSocket(this._url());
    } catch (e) {
      this._scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const hello = {type: "hello", v: 1, client: "signage web", ...this.hello};
      if (this.since != null) hello.since = this.since;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (ev) => this._receive(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this._setUp(false);
      if (!this.stopped) this._scheduleRetry();
    };
    ws.onerror = () => {};  // onclose follows
  }

  _scheduleRetry() {
    // "equal jitter": half fixed, half random, so a hall of pages does not stampede a restarted hub
    const wait = Math.max(500, this.delay / 2 + Math.random() * this.delay / 2);
    this.delay = Math.min(10000, this.delay * 2);
    clearTimeout(this._retry);
    this._retry = setTimeout(() => this._connect(), wait);
  }

  _send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  _ping() {
    if (!this.up || !this.ws) return;
    if (Date.now() - this.lastHeard > 35000) {  // two pings unanswered: the link is dead
      this.ws.close();
      return;
    }
    this._send({type: "ping"});
  }

  _setUp(up) {
    if (up === this.up) return;
    this.up = up;
    if (this.on.status) this.on.status(up);
  }

  _receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (!msg || typeof msg !== "object") return;
    this.lastHeard = Date.now();
    const kind = msg.type;
    if (kind === "welcome") {
      // a replay's seq is where the replay ends; keep ours until the events arrive
      if (!msg.replay || this.since == null || msg.seq < this.since) this.since = msg.seq;
      this.delay = 500;
      this._setUp(true);
      if (this.on.message) this.on.message(msg);
      for (const p of this.pending.values()) this._send(p.msg);  // same ids: the hub acts once
      return;
    }
    if (kind === "event" && typeof msg.seq === "number" && (this.since == null || msg.seq > this.since)) {
      this.since = msg.seq;
    }
    if ((kind === "ok" || kind === "error") && msg.id && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (kind === "ok") p.resolve(msg.result || {});
      else p.reject({code: msg.code, message: msg.message, retry_after: msg.retry_after});
      return;
    }
    if (kind === "error" && !this.up && FATAL.has(msg.code)) {
      this.stop();  // a wrong token does not get better by retrying
      if (this.on.fatal) this.on.fatal(msg);
      return;
    }
    if (kind === "pong") return;
    if (this.on.message) this.on.message(msg);
  }
}

// ---------------------------------------------------------------- sign-in
// A form asking for hall, token (and window), prefilled from the address and
// from what this browser remembered; resolves with {hall, token, window}.
export function signIn({role, needWindow = false, error = null}) {
  const done = (who) => {
    document.getElementById("signin").hidden = true;
    for (const s of document.querySelectorAll("[data-after-signin]")) s.hidden = false;
    return who;
  };
  const key = (hall, win) => `signage.${role}.${hall}` + (needWindow ? `.${win}` : "");
  const hall = query("hall") || localStorage.getItem(`signage.${role}.lasthall`) || "";
  const win = query("window") || localStorage.getItem(`signage.${role}.lastwindow`) || "";
  // A link may carry the token after "#" (never sent to the server, so never in a log): take it, forget the link's copy.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    history.replaceState(null, "", location.pathname + location.search);
    if (hall && (!needWindow || Number(win) >= 1) && !error) {
      localStorage.setItem(key(hall, win), fromLink);
      return Promise.resolve(done({hall, token: fromLink, window: needWindow ? Number(win) : null}));
    }
  }
  const saved = hall ? localStorage.getItem(key(hall, win)) : null;
  if (saved && !error) return Promise.resolve(done({hall, token: saved, window: needWindow ? Number(win) : null}));
  const box = document.getElementById("signin");
  const form = box.querySelector("form");
  form.elements.hall.value = hall;
  if (form.elements.window) form.elements.window.value = win;
  form.elements.token.value = "";
  box.querySelector(".signin-error").textContent = error || "";
  box.hidden = false;
  for (const s of document.querySelectorAll("[data-after-signin]")) s.hidden = true;
  (hall ? form.elements.token : form.elements.hall).focus();
  return new Promise((resolve) => {
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const h = form.elements.hall.value.trim();
      const w = form.elements.window ? form.elements.window.value.trim() : "";
      const t = form.elements.token.value.trim();
      if (!h || !t || (needWindow && !(Number(w) >= 1))) return;
      if (form.elements.remember ? form.elements.remember.checked : true) {
        localStorage.setItem(key(h, w), t);
        localStorage.setItem(`signage.${role}.lasthall`, h);
        if (needWindow) localStorage.setItem(`signage.${role}.lastwindow`, w);
      }
      resolve(done({hall: h, token: t, window: needWindow ? Number(w) : null}));
    };
  });
}

export function forget(role, hall, win) {
  localStorage.removeItem(`signage.${role}.${hall}` + (win != null ? `.${win}` : ""));
}

// ---------------------------------------------------------------- waiting estimates
// The one wording of a waiting estimate (docs/estimates.md, "Wording"); the screens' Python
// twin is signage.i18n.wait_text, and both are checked against tests/estimate_words.json.
// `est` is a service's or a ticket's entry of an `estimates` message (or the phone's ticket
// view); `count` overrides the count it carries (`waiting`, else `ahead`).
//   closed_until set                      -> "13:00 起办理" / "closed until 13:00"
//   no minutes                            -> "" (no estimate: show the count alone)
//   count 0, or no count and under 0.5    -> "无需等待" / "No wait"
//   else whole minutes (half up), >= 1    -> "约 6 分钟" / "about 6 min",
//   or the range if low < high once rounded (low >= 1, the figure inside it) -> "约 3–10 分钟"
const WAIT_WORDS = {
  closed: {"zh-Hans": "{t} 起办理", en: "closed until {t}"},
  no_wait: {"zh-Hans": "无需等待", en: "No wait"},
  about: {"zh-Hans": "约 {m} 分钟", en: "about {m} min"},
  range: {"zh-Hans": "约 {lo}–{hi} 分钟", en: "about {lo}–{hi} min"},
};

// Minutes rounded as every estimate is (half up); null for no number.
export function wholeMinutes(v) {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v + 0.5) : null;
}

export function waitText(est, count = null, l = lang) {
  if (est == null || typeof est !== "object") return "";
  const words = (key, vars = {}) => {
    let s = WAIT_WORDS[key][l] ?? WAIT_WORDS[key]["zh-Hans"];
    for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
  if (typeof est.closed_until === "string" && est.closed_until) return words("closed", {t: est.closed_until});
  let m = wholeMinutes(est.minutes);
  if (m == null) return "";
  const raw = count ?? ("waiting" in est ? est.waiting : est.ahead);
  const n = Number.isInteger(raw) && raw >= 0 ? raw : null;
  if (n === 0 || (n == null && m < 1)) return words("no_wait");
  m = Math.max(1, m);
  let lo = wholeMinutes(est.low), hi = wholeMinutes(est.high);
  if (lo != null && hi != null) {
    lo = Math.max(1, Math.min(lo, m));
    hi = Math.max(hi, m);
    if (lo < hi) return words("range", {lo, hi});
  }
  return words("about", {m});
}

// "HH:MM" of a hub time in the hall's time zone.
export function clockText(at, timeZone, withSeconds = false) {
  try {
    return new Intl.DateTimeFormat("en-GB", {timeZone, hour: "2-digit", minute: "2-digit",
      second: withSeconds ? "2-digit" : undefined, hour12: false}).format(new Date(at * 1000));
  } catch (e) {
    return new Date(at * 1000).toTimeString().slice(0, withSeconds ? 8 : 5);
  }
}

export function dateText(at, timeZone) {
  try {
    return new Intl.DateTimeFormat("sv-SE", {timeZone, year: "numeric", month: "2-digit", day: "2-digit"})
      .format(new Date(at * 1000));
  } catch (e) {
    return new Date(at * 1000).toISOString().slice(0, 10);
  }
}
