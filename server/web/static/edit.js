// The hall editor (/edit?hall=H): a manager edits the hall file as text, sees its problems as
// they type, previews a screen, publishes (with the base hash: nobody overwrites an unseen
// change), and restores an old version. docs/web.md, docs/editor.md ("The page").
// Everything from the hub or the file is shown as text (textContent), never as HTML.
import {setupLang, tr, pick, signInManager, forget, el, clockText, dateText, errorText, hallLanguages} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and edit.

const $ = (id) => document.getElementById(id);
const CHECK_DELAY = 600;              // ms of quiet typing before the draft is checked
const FRAME_LIMIT = 60 * 1024;        // a draft over this (UTF-8 bytes) goes as config_part messages
const PART_BYTES = 56 * 1024;         // a part's data stays below this once in JSON (the frame: 64 KiB)
let hub = null, who = null, config = null;
let base = null;                      // {hash, version} of the file the draft started from
let problems = [];                    // the draft's problems (config_check)
let checkTimer = null, checkSeq = 0;
let sent = {text: null, key: null};   // the draft last sent as parts (the hub keeps one per connection)
let draftCount = 0;
let history = [], chosen = null;
let loaded = false;

function flash(text, kind) {
  $("flash").textContent = text;
  $("flash").className = "flash " + (kind || "");
}

// --- sending a draft: as text when it fits a frame, else in parts -------------------------------
const encoder = new TextEncoder();

function parts(text) {
  const out = [];
  let at = 0;
  while (at < text.length) {
    let n = Math.min(16384, text.length - at);
    for (;;) {
      let end = at + n;
      const c = text.charCodeAt(end - 1);
      if (end < text.length && c >= 0xd800 && c <= 0xdbff) end -= 1;  // never split a surrogate pair
      const piece = text.slice(at, end);
      if (encoder.encode(JSON.stringify(piece)).length <= PART_BYTES || n <= 256) {
        out.push(piece);
        at = end;
        break;
      }
      n = Math.floor(n / 2);
    }
  }
  return out;
}

async function withDraft(cmd, text) {
  if (encoder.encode(text).length <= FRAME_LIMIT) return hub.request({...cmd, text});
  if (sent.text !== text) {
    const key = `draft-${++draftCount}`;
    const pieces = parts(text);
    sent = {text: null, key: null};
    for (let i = 0; i < pieces.length; i++) {
      await hub.request({type: "config_part", draft: key, index: i, count: pieces.length, data: pieces[i]});
    }
    sent = {text, key};
  }
  try {
    return await hub.request({...cmd, draft: sent.key});
  } catch (err) {
    if (err.code !== "unknown_draft") throw err;
    sent = {text: null, key: null};  // the connection dropped and took the draft: send it again once
    return withDraft(cmd, text);
  }
}

// --- the text and its line numbers --------------------------------------------------------------
function lines() {
  const n = $("e-text").value.split("\n").length;
  const gutter = $("e-lines");
  if (Number(gutter.dataset.n) !== n) {
    gutter.dataset.n = n;
    gutter.textContent = Array.from({length: n}, (_, i) => i + 1).join("\n");
  }
  gutter.scrollTop = $("e-text").scrollTop;
}

function goToLine(line) {
  const t = $("e-text");
  const all = t.value.split("\n");
  const k = Math.max(1, Math.min(line, all.length));
  let at = 0;
  for (let i = 0; i < k - 1; i++) at += all[i].length + 1;
  t.focus();
  t.setSelectionRange(at, at + all[k - 1].length);
  const height = parseFloat(getComputedStyle(t).lineHeight) || 20;
  t.scrollTop = Math.max(0, (k - 4) * height);
  lines();
}

function showBase() {
  $("e-base").textContent = base ? tr("base_of", {v: base.version ?? "?", h: base.hash.slice(0, 12)}) : "";
}

async function load() {
  try {
    const r = await hub.request({type: "config_get"});
    $("e-text").value = r.text;
    base = {hash: r.hash, version: r.version};
    loaded = true;
    showBase();
    lines();
    $("p-conflict").hidden = true;
    $("p-problems").replaceChildren();
    check();
  } catch (err) {
    flash(errorText(err), "error");
  }
}

// --- problems ------------------------------------------------------------------------------------
function problemItem(x) {
  const where = [x.line ? tr("line_n", {n: x.line}) : "", x.path || ""].filter(Boolean).join(" · ");
  const words = `${tr("sev_" + (["error", "warning", "info"].includes(x.severity) ? x.severity : "info"))} ${where ? where + ": " : ""}${x.message}`;
  const b = el("button", {type: "button", text: words, dataset: {line: x.line ?? ""}});
  if (x.line) b.addEventListener("click", () => goToLine(x.line));
  return el("li", {class: x.severity}, b);
}

function renderProblems() {
  if (!loaded) return;
  const errors = problems.filter((x) => x.severity === "error").length;
  const warnings = problems.filter((x) => x.severity === "warning").length;
  $("e-status").textContent = !problems.length ? tr("no_problems") : tr("problems_n", {e: errors, w: warnings});
  $("e-status").dataset.errors = errors;
  $("e-problems").replaceChildren(...problems.map(problemItem));
}

function scheduleCheck() {
  clearTimeout(checkTimer);
  $("e-status").textContent = tr("checking");
  delete $("e-status").dataset.errors;
  checkTimer = setTimeout(check, CHECK_DELAY);
}

async function check() {
  clearTimeout(checkTimer);
  const seq = ++checkSeq;
  const text = $("e-text").value;
  try {
    const r = await withDraft({type: "config_check"}, text);
    if (seq !== checkSeq) return;  // the manager typed on meanwhile: a newer check comes
    problems = r.problems || [];
    renderProblems();
  } catch (err) {
    if (seq === checkSeq) $("e-status").textContent = errorText(err);
  }
}

// --- confirmation (in the page: keyboard usable, words in the page's language) --------------------
function confirmBox(text, items = []) {
  $("c-text").textContent = text;
  $("c-list").replaceChildren(...items.map((x) => el("li", {text: x})));
  $("confirm").hidden = false;
  $("confirm").scrollIntoView({block: "nearest"});
  $("c-yes").focus();
  return new Promise((resolve) => {
    const done = (yes) => {
      $("confirm").hidden = true;
      $("c-yes").onclick = $("c-no").onclick = null;
      resolve(yes);
    };
    $("c-yes").onclick = () => done(true);
    $("c-no").onclick = () => done(false);
  });
}

function problemWords(x) {
  return `${x.line ? tr("line_n", {n: x.line}) + " · " : ""}${x.path ? x.path + ": " : ""}${x.message}`;
}

// --- publish -------------------------------------------------------------------------------------
function showConflict(err) {
  $("p-diff").textContent = err.diff || "";
  $("p-conflict").hidden = false;
}

async function publishing(make, doneKey) {
  $("p-problems").replaceChildren();
  $("p-conflict").hidden = true;
  $("p-msg").textContent = tr("publishing");
  let accept = false;
  for (;;) {
    $("p-msg").dataset.busy = "1";  // (the tests wait for the answer)
    try {
      const r = await make(accept);
      delete $("p-msg").dataset.busy;
      $("p-msg").textContent = tr(doneKey, {v: r.version});
      flash(tr(doneKey, {v: r.version}), "good");
      base = {hash: r.hash, version: r.version};
      showBase();
      loadHistory();
      return r;
    } catch (err) {
      delete $("p-msg").dataset.busy;
      $("p-msg").textContent = errorText(err);
      flash(errorText(err), "error");
      if (err.code === "config_warnings" && !accept) {
        const warned = (err.problems || []).filter((x) => x.severity === "warning");
        if (await confirmBox(tr("warnings_ask", {n: warned.length}), warned.map(problemWords))) {
          accept = true;
          continue;
        }
        $("p-msg").textContent = tr("not_published");
      } else if (err.code === "config_invalid") {
        $("p-problems").replaceChildren(...(err.problems || []).filter((x) => x.severity === "error").map(problemItem));
      } else if (err.code === "config_conflict") {
        showConflict(err);
      }
      return null;
    }
  }
}

async function publish() {
  if (!base) return;
  const text = $("e-text").value;
  const note = $("p-note").value.trim();
  const r = await publishing((accept) => withDraft({type: "config_publish", base_hash: base.hash, note,
    accept_warnings: accept}, text), "published");
  if (r) $("p-note").value = "";
}

// --- preview -------------------------------------------------------------------------------------
function picture(box, r) {
  const img = el("img", {src: `data:image/png;base64,${r.png}`, alt: tr("picture_of", {s: r.screen}),
    width: r.width, height: r.height});
  const boxes = (r.small || []).map((s) => {
    const [x, y, w, h] = s.rect;
    const d = el("div", {class: "small-box", title: `${s.text} (${s.mm} / ${s.need_mm} mm)`});
    d.style.left = `${(x / r.width) * 100}%`;  // CSSOM: allowed by the CSP
    d.style.top = `${(y / r.height) * 100}%`;
    d.style.width = `${(w / r.width) * 100}%`;
    d.style.height = `${(h / r.height) * 100}%`;
    return d;
  });
  box.replaceChildren(img, ...boxes);
}

async function preview() {
  const screen = $("v-screen").value;
  const state = $("v-state").value;
  if (!screen) return;
  $("v-msg").textContent = tr("drawing");
  const text = $("e-text").value;
  const [draft, now] = await Promise.allSettled([
    withDraft({type: "config_preview", screen, state}, text),
    hub.request({type: "config_preview", screen, state}),
  ]);
  if (draft.status === "fulfilled") {
    picture($("v-draft"), draft.value);
    $("v-small").replaceChildren(...(draft.value.small || []).map((s) =>
      el("li", {class: "warning", text: tr("small_text", {t: s.text, mm: s.mm, need: s.need_mm})})));
    $("v-msg").textContent = tr("small_n", {n: (draft.value.small || []).length});
  } else {
    $("v-draft").replaceChildren(el("p", {class: "muted", text: errorText(draft.reason)}));
    $("v-small").replaceChildren();
    $("v-msg").textContent = errorText(draft.reason);
  }
  if (now.status === "fulfilled") picture($("v-now"), now.value);
  else $("v-now").replaceChildren(el("p", {class: "muted", text: errorText(now.reason)}));
}

// --- history -------------------------------------------------------------------------------------
function when(at) {
  const tz = config?.hall?.timezone;
  return `${dateText(at, tz)} ${clockText(at, tz)}`;
}

function renderHistory() {
  $("h-list").replaceChildren(...history.map((v) => {
    const b = el("button", {type: "button", class: "secondary", text: tr("version_n", {v: v.version}),
      "aria-pressed": String(chosen === v.version), onclick: () => showVersion(v.version)});
    return el("tr", {class: chosen === v.version ? "chosen" : null, dataset: {version: v.version}},
      el("td", {}, b), el("td", {text: when(v.at)}), el("td", {text: v.actor}), el("td", {text: v.note}),
      el("td", {text: tr("src_" + (["file", "publish", "rollback"].includes(v.source) ? v.source : "file"))}));
  }));
}

async function loadHistory() {
  try {
    const r = await hub.request({type: "config_history"});
    history = r.versions || [];
    renderHistory();
  } catch (err) {
    flash(errorText(err), "error");
  }
}

async function showVersion(version) {
  try {
    const r = await hub.request({type: "config_version", version});
    chosen = version;
    $("h-title").textContent = tr("version_diff", {v: version});
    $("h-diff").textContent = r.diff || tr("no_diff");
    $("h-detail").hidden = false;
    renderHistory();
  } catch (err) {
    flash(errorText(err), "error");
  }
}

async function restore() {
  if (chosen == null || !base) return;
  const version = chosen;
  if (!await confirmBox(tr("restore_ask", {v: version}))) return;
  const r = await publishing((accept) => hub.request({type: "config_rollback", version, base_hash: base.hash,
    note: tr("restore_note", {v: version}), accept_warnings: accept}), "restored");
  if (r) await load();
}

// --- rename a service (a form edit applied to the draft by the hub: the file keeps its comments) ---
function textLanguages() {
  const names = new Map(hallLanguages().map((x) => [x.tag, x.name]));
  const tags = config?.hall?.languages?.length ? config.hall.languages : [...names.keys()];
  return tags.map((tag) => ({tag, name: names.get(tag) ?? tag}));
}

function renderServices() {
  const select = $("r-service");
  const keep = select.value;
  const services = config?.services || [];
  select.replaceChildren(...services.map((s, i) => el("option", {value: String(i), text: `${s.id} · ${pick(s.name)}`})));
  if (keep && Number(keep) < services.length) select.value = keep;
  renderNames();
  const screen = $("v-screen");
  const shown = screen.value;
  screen.replaceChildren(...(config?.screens || []).map((s) => el("option", {value: s.id, text: `${s.id} (${s.kind})`})));
  if (shown) screen.value = shown;
}

function renderNames() {
  const s = config?.services?.[Number($("r-service").value)];
  const name = s?.name;
  // a config push with the same name and languages keeps what the manager is typing
  const key = JSON.stringify([$("r-service").value, name ?? null, textLanguages()]);
  if ($("r-names").dataset.key === key) return;
  $("r-names").dataset.key = key;
  $("r-names").replaceChildren(...textLanguages().flatMap((x, i) => [
    el("label", {for: `r-name-${i}`, lang: x.tag, text: x.name}),
    el("input", {id: `r-name-${i}`, lang: x.tag, maxlength: 200, dataset: {lang: x.tag},
      value: typeof name === "string" ? (i === 0 ? name : "") : (name?.[x.tag] ?? "")}),
  ]));
}

async function rename() {
  const i = Number($("r-service").value);
  const s = config?.services?.[i];
  if (!s) return;
  const edits = [];
  for (const input of $("r-names").querySelectorAll("input")) {
    const value = input.value.trim();
    const before = typeof s.name === "string" ? null : s.name?.[input.dataset.lang];
    if (value && value !== before) edits.push({path: `services[${i}].name.${input.dataset.lang}`, value});
  }
  if (!edits.length) return;
  try {
    const r = await withDraft({type: "config_edit", edits}, $("e-text").value);
    $("e-text").value = r.text;
    lines();
    $("r-msg").textContent = tr("renamed");
    scheduleCheck();
  } catch (err) {
    $("r-msg").textContent = errorText(err);
  }
}

// --- the hub's messages --------------------------------------------------------------------------
function apply(msg) {
  if (msg.type === "welcome" || msg.type === "config") {
    config = msg.config || config;
    if (config?.hall) $("hall-name").textContent = "· " + pick(config.hall.name);
    renderServices();
    if (msg.type === "welcome" && !loaded) {
      load();
      loadHistory();
    } else if (msg.type === "config") {
      loadHistory();
    }
  } else if (msg.type === "error") {
    flash(errorText(msg), "error");
  }
}

async function start(error) {
  ({who, hub} = await signInManager("edit", {message: apply, restart: start}, error));
  $("to-manage").href = `/manage?hall=${encodeURIComponent(who.hall)}`;
}

await setupLang("edit", () => { renderProblems(); showBase(); renderHistory(); renderServices(); });
$("e-text").addEventListener("input", () => { lines(); scheduleCheck(); });
$("e-text").addEventListener("scroll", lines);
$("e-reload").addEventListener("click", load);
$("p-take").addEventListener("click", load);
$("p-publish").addEventListener("click", publish);
$("v-go").addEventListener("click", preview);
$("h-refresh").addEventListener("click", loadHistory);
$("h-restore").addEventListener("click", restore);
$("r-service").addEventListener("change", renderNames);
$("r-apply").addEventListener("click", rename);
$("signout").addEventListener("click", () => { if (hub) hub.stop(); forget("manager", who.hall); location.reload(); });
window.signageEdit = {get hub() { return hub; }, get base() { return base; }, check};
start(null);
