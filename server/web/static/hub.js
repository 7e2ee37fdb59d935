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

// The priority categories staff and the entrance guide choose from, in the protocol's words
// (the kiosk words them for citizens itself).
export const PRIORITY = ["elderly", "disabled", "pregnant", "infant", "military", "other"];
export const PRIORITY_WORDS = {
  p_elderly: {"zh-Hans": "老年人", en: "Elderly"},
  p_disabled: {"zh-Hans": "残疾人", en: "Disabled"},
  p_pregnant: {"zh-Hans": "孕妇", en: "Pregnant"},
  p_infant: {"zh-Hans": "携带婴幼儿", en: "With an infant"},
  p_military: {"zh-Hans": "军人、消防救援人员", en: "Military, fire and rescue"},
  p_other: {"zh-Hans": "其他", en: "Other"},
};

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
      else p.reject({code: msg.code, message: msg.message});
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
