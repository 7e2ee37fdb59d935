// The hall manager's page (/manage?hall=H): docs/web.md.
import {HubClient, setupLang, tr, pick, signIn, forget, el, clockText} from "/static/hub.js";

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
  offline_screens: {"zh-Hans": "未连接的屏幕：{s}", en: "Screens not connected: {s}"},
  all_online: {"zh-Hans": "所有屏幕都已连接", en: "Every screen is connected"},
  ticket_pages: {"zh-Hans": "；{n} 个手机在看排队进度", en: "; phones following a ticket: {n}"},
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
  bad_token: {"zh-Hans": "令牌不对：{m}", en: "Wrong token: {m}"},
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
    flash(`${err.code}: ${err.message}`, "error");
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
    $("a-msg").textContent = m ? tr("line_of", {n: lineOf[Number(m[1] ?? m[2])]}) + err.message.slice(m[0].length) : `${err.code}: ${err.message}`;
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
  $("who").replaceChildren(...lastWho.clients.map((c) => el("tr", {dataset: {role: c.role, screen: c.screen || ""}},
    el("td", {text: tr("r_" + c.role)}),
    el("td", {text: c.screen || (c.window ? `#${c.window}` : c.zone || c.name)}),
    el("td", {text: c.address}),
    el("td", {text: clockText(c.since, tz)}))));
  const online = new Set(lastWho.clients.filter((c) => c.role === "screen").map((c) => c.screen));
  const missing = config.screens.map((s) => s.id).filter((id) => !online.has(id));
  let note = missing.length ? tr("offline_screens", {s: missing.join(", ")}) : tr("all_online");
  if (lastWho.ticket_pages) note += tr("ticket_pages", {n: lastWho.ticket_pages});
  if (!lastWho.clients.some((c) => c.role === "announcer")) note += " · " + tr("no_announcer");
  $("who-note").textContent = note;
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
  if (!r.ok) { $("s-msg").textContent = `${r.status}: ${(await r.json()).message}`; return; }
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
      }
      rows = editable();
      renderNotice();
      renderMessages();
      refreshWho();
      break;
    case "config":
      config = msg.config;
      renderNotice();
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
      if (msg.request === shotRequest) $("s-msg").textContent = msg.message;
      break;
    case "error":
      flash(`${msg.code}: ${msg.message}`, "error");
      break;
  }
}

async function start(error) {
  who = await signIn({role: "manager", error});
  history.replaceState(null, "", `/manage?hall=${encodeURIComponent(who.hall)}`);
  hub = new HubClient({role: "manager", hall: who.hall, token: who.token}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; },
    fatal: (err) => { forget("manager", who.hall); start(tr("bad_token", {m: err.message})); },
  }).start();
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
}

setupLang(T, () => { renderNotice(); renderMessages(); renderWho(); });
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
window.signageManage = {get hub() { return hub; }};
start(null);
