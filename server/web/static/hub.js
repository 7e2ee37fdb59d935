// Shared by every page the hub serves (docs/web.md): the websocket client, the
// sign-in form, and the page's words in the hall's languages (loaded from the hub before
// the page shows anything: GET /catalogue/<page>.json, signage/catalogues/pages/). No build step, no library, nothing from
// the internet.
//
// HubClient: connects to the hub that served the page, says hello (with `since`
// after a drop, so the hub replays what was missed), reconnects by itself with
// jittered backoff (0.5 s doubling to 10 s), pings every 15 s to notice a dead
// link, and gives every command a request id. A command waiting for its answer
// when the line drops is sent again with the *same* id after the reconnect: the
// hub answers a repeated id with the first answer and acts once.

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
// A category the hall wrote no name for in the page's language (the default list in an es
// hall, say) is named by the pages' catalogue (`pri_<id>`) when it has the id.
export function priorityName(config, id, l = lang) {
  const c = priorityCategories(config).find((x) => x.id === id);
  if (!c) return String(id ?? "");
  return pickOwn(c.name, l) ?? wordsOf(l)[`pri_${c.id}`] ?? pick(c.name, l);
}

// The categories' short words as one list ("老人、残疾人、孕妇…", "elderly, disabled, pregnant…"):
// at most `most` of them, an ellipsis after when there are more.
export function priorityWords(config, {kiosk = false, most = Infinity} = {}, l = lang) {
  const all = priorityCategories(config, {kiosk});
  const own = wordsOf(l);
  const words = all.slice(0, most).map((c) => pickOwn(c.short ?? c.name, l)
    ?? own[`pri_short_${c.id}`] ?? own[`pri_${c.id}`] ?? pick(c.short ?? c.name, l));
  return words.join(listSep(l)) + (all.length > most ? "…" : "");
}

// "、" or ", ": the screens' list_sep of the language.
export function listSep(l = lang) {
  return wordsOf(l).list_sep ?? (isChinese(l) ? "、" : ", ");
}

// ---------------------------------------------------------------- languages
// A page's words are the hub's (signage/catalogues/pages/<lang>.yaml, the hall's terms applied):
// `await setupLang("kiosk", onChange)` asks GET /catalogue/kiosk.json for the hall of the page
// (?hall=, else the one this browser last signed in to; the ticket page: its link key) in the
// language remembered on this device (?lang=, else localStorage "signage.lang") if the hall has
// it, else in the hall's FIRST language; then the hall's other languages, so that switching is
// at once. The page stays hidden (class "words-pending" on <html>) until its words are in: no
// flash of another language. A hub that cannot answer leaves the HTML's own words and FALLBACK.
let lang = null;
let page = null;
let wordsHall = undefined;                // the hall the words were loaded for (null: the hub's first)
let catalogues = {};                      // tag -> {words, screen, chain, ...} as the hub sent it
let languages = [];                       // [{tag, name}] of the hall, in its order
const langListeners = [];

// The tiny built-in fallback, for a hub that cannot answer (the HTML keeps its own words too).
const FALLBACK = {
  hall: "Hall", token: "Token", signin: "Sign in", offline: "Reconnecting…",
  no_words: "The page's words could not be loaded from the hub: reload the page",
};

export function currentLang() {
  return lang;
}

// The hall's languages [{tag, name}], in the hall file's order.
export function hallLanguages() {
  return languages.slice();
}

function isChinese(l) {
  return /^(zh|yue|cmn|lzh|wuu|hak|nan|gan)(-|$)/.test(String(l ?? ""));
}

// Traditional Chinese: zh-Hant, zh-TW, zh-HK, zh-MO, yue (signage/languages.py knows them all).
function isTraditional(l) {
  return isChinese(l) && /(^yue|-Hant|-TW|-HK|-MO)(-|$)/.test(String(l)) && !/-Hans(-|$)/.test(String(l));
}

function chainOf(l) {
  return catalogues[l]?.chain ?? [l, "en"];
}

// Every word of language `l` the page has (its own over the screens').
function wordsOf(l = lang) {
  const c = catalogues[l];
  return c ? {...c.screen, ...c.words} : {};
}

const ROLE_OF_PAGE = {staff: "window", manage: "manager", edit: "manager"};

function pageHall() {
  return query("hall") || localStorage.getItem(`signage.${ROLE_OF_PAGE[page] ?? page}.lasthall`) || "";
}

async function fetchWords(hall, want) {
  const args = new URLSearchParams();
  if (page === "ticket") args.set("ticket", location.pathname.split("/").pop());
  if (hall) args.set("hall", hall);
  if (want) args.set("lang", want);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 4000);
  try {
    const r = await fetch(`/catalogue/${page}.json?${args}`, {signal: ctl.signal});
    if (!r.ok) return null;
    return await r.json();
  } catch (e) {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

// Load the words of `hall` (every language of it); true if the hub answered.
async function loadWords(hall) {
  const q = query("lang");
  const want = q || localStorage.getItem("signage.lang") || "";
  const first = await fetchWords(hall, want);
  wordsHall = hall;
  if (!first) return false;
  catalogues = {[first.language]: first};
  languages = first.languages || [{tag: first.language, name: first.language}];
  const others = await Promise.all(languages.filter((x) => x.tag !== first.language)
    .map((x) => fetchWords(first.hall ?? hall, x.tag)));
  for (const c of others) if (c) catalogues[c.language] = c;
  lang = first.language;
  return true;
}

export async function setupLang(name, onChange) {
  page = name;
  if (onChange) langListeners.push(onChange);
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest?.("[data-lang-switch]");
    if (b?.dataset.lang) setLang(b.dataset.lang, true);
  });
  try {
    const ok = await loadWords(pageHall());
    if (!ok) lang = "en";
    setLang(lang, false);
    if (!ok) console.warn(FALLBACK.no_words);
  } finally {
    document.documentElement.classList.remove("words-pending");
  }
}

// A hall file reloaded with other languages or terms (a config frame): the words again.
let seenConfig = null;
function followConfig(config) {
  if (!config?.hall) return;
  const key = JSON.stringify([config.hall.languages ?? [], config.terms ?? {}]);
  if (seenConfig !== null && key !== seenConfig && page) {
    loadWords(wordsHall).then((ok) => { if (ok) setLang(lang, false); });
  }
  seenConfig = key;
}

// After sign-in: the words of the hall signed in to, if they are not those shown.
export async function useHall(hall) {
  if (hall === wordsHall || !page) return;
  const before = lang;
  if (await loadWords(hall)) setLang(lang, false);
  else lang = before;
}

export function setLang(value, remember) {
  if (catalogues[value]) lang = value;
  else if (!lang) lang = value;
  if (remember) localStorage.setItem("signage.lang", lang);
  document.documentElement.lang = lang;
  const words = wordsOf(lang);
  const has = (key) => key in words || key in FALLBACK;
  for (const el of document.querySelectorAll("[data-i18n]")) if (has(el.dataset.i18n)) el.textContent = tr(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) if (has(el.dataset.i18nPlaceholder)) el.placeholder = tr(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-label]")) if (has(el.dataset.i18nLabel)) el.setAttribute("aria-label", tr(el.dataset.i18nLabel));
  if (has("title")) document.title = tr("title");
  switcher();
  for (const f of langListeners) f(lang);
}

// The switcher: a button for each other language of the hall, by its own name ("English",
// "Español", "中文", "繁體中文"); none when the hall has one language. The HTML's
// [data-lang-switch] button is the first; more are made beside it.
function switcher() {
  const others = languages.filter((x) => x.tag !== lang && catalogues[x.tag]);
  for (const b of document.querySelectorAll("[data-lang-switch]:not([data-lang-extra])")) {
    for (const extra of b.parentNode.querySelectorAll("[data-lang-extra]")) extra.remove();
    b.hidden = !others.length;
    if (!others.length) continue;
    let at = b;
    others.forEach((x, i) => {
      const button = i === 0 ? b : b.cloneNode(false);
      button.textContent = x.name;
      button.lang = x.tag;
      button.dataset.lang = x.tag;
      button.hidden = false;
      if (i > 0) {
        button.dataset.langExtra = "";
        at.after(button);
        at = button;
      }
    });
  }
}

function fill(s, vars) {
  for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// A word of the page in its language, with {name} fields filled in.
export function tr(key, vars = {}) {
  const s = wordsOf(lang)[key] ?? FALLBACK[key] ?? key;
  return fill(s, vars);
}

// A text from the hall file ({"zh-Hans": ..., "en": ...} or a plain string) in its own language
// (along the language's chain, another region of it); null when only another language has it.
export function pickOwn(text, l = lang) {
  if (text == null) return null;
  if (typeof text === "string") return text;
  const steps = chainOf(l);
  for (const tag of steps.slice(0, -1).concat(String(l).startsWith("en") ? ["en"] : [])) if (text[tag]) return text[tag];
  const base = String(l).split("-")[0];
  const same = Object.keys(text).find((k) => text[k] && (isChinese(l)
    ? isChinese(k) && isTraditional(k) === isTraditional(l) : k.split("-")[0] === base));
  return same ? text[same] : null;
}

// A text from the hall file in the page's language: its own, else (Chinese) the other script's,
// else English, else any. (The screens convert between the scripts; a page cannot.)
export function pick(text, l = lang) {
  if (text == null) return "";
  if (typeof text === "string") return text;
  const chinese = isChinese(l) ? Object.keys(text).find((k) => text[k] && isChinese(k)) : null;
  return pickOwn(text, l) ?? (chinese ? text[chinese] : null) ?? text.en ?? Object.values(text).find(Boolean) ?? "";
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
// catalogue's `e_<code>`: the page's section first, then `common`), and the hub's message only
// for a code it does not know. {s}: a rate limit's seconds; `vars` fill the page's own fields.
export function errorText(err, vars = {}, l = lang) {
  const code = err?.code ?? "";
  const entry = wordsOf(l)["e_" + code];
  if (!entry) return [code, err?.message].filter(Boolean).join(": ");
  const secs = typeof err.retry_after === "number" ? Math.max(1, Math.ceil(err.retry_after)) : 1;
  return fill(entry, {s: secs, ...vars});
}

// Is this a code the page has words for?
export function knownError(code) {
  return !!wordsOf(lang)["e_" + code];
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
    if (kind === "welcome" || kind === "config") followConfig(msg.config);
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
      // the hall editor's refusals carry the draft's problems, a conflict's diff and hash
      else p.reject({code: msg.code, message: msg.message, retry_after: msg.retry_after,
                     problems: msg.problems, diff: msg.diff, hash: msg.hash});
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
  const done = async (who) => {
    await useHall(who.hall);  // the hall signed in to may speak other languages than the form's
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
      return done({hall, token: fromLink, window: needWindow ? Number(win) : null});
    }
  }
  const saved = hall ? localStorage.getItem(key(hall, win)) : null;
  if (saved && !error) return done({hall, token: saved, window: needWindow ? Number(win) : null});
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

// The manager pages (/manage, /edit): sign in, put the hall in the address, follow the hub;
// a refused token signs in again (`restart`). Resolves with {who, hub}.
export async function signInManager(page, {message, restart}, error = null) {
  const who = await signIn({role: "manager", error});
  history.replaceState(null, "", `/${page}?hall=${encodeURIComponent(who.hall)}`);
  const hub = new HubClient({role: "manager", hall: who.hall, token: who.token}, {
    message,
    status: (up) => { document.getElementById("offline").hidden = up; },
    fatal: (err) => { forget("manager", who.hall); restart(errorText(err)); },
  }).start();
  setTimeout(() => { if (!hub.up && !hub.stopped) document.getElementById("offline").hidden = false; }, 2500);
  return {who, hub};
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
// The screens' words (about_minutes, minutes_range, no_wait, closed_until: the same catalogue, the
// hall's terms applied); these two languages built in for a hub that cannot answer (and node).
const WAIT_WORDS = {
  closed_until: {"zh-Hans": "{time} 起办理", en: "closed until {time}"},
  no_wait: {"zh-Hans": "无需等待", en: "No wait"},
  about_minutes: {"zh-Hans": "约 {minutes} 分钟", en: "about {minutes} min"},
  minutes_range: {"zh-Hans": "约 {low}–{high} 分钟", en: "about {low}–{high} min"},
};

// Minutes rounded as every estimate is (half up); null for no number.
export function wholeMinutes(v) {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v + 0.5) : null;
}

export function waitText(est, count = null, l = lang) {
  if (est == null || typeof est !== "object") return "";
  const own = catalogues[l]?.screen ?? {};
  const words = (key, vars = {}) => fill(own[key] ?? WAIT_WORDS[key][l] ?? WAIT_WORDS[key][isChinese(l) ? "zh-Hans" : "en"], vars);
  if (typeof est.closed_until === "string" && est.closed_until) return words("closed_until", {time: est.closed_until});
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
    if (lo < hi) return words("minutes_range", {low: lo, high: hi});
  }
  return words("about_minutes", {minutes: m});
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
