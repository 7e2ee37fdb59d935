// The window staff console (/staff?hall=H&window=N): docs/web.md.
import {HubClient, setupLang, tr, pick, signIn, forget, el, currentLang, waitText, errorText, priorityCategories, priorityWords} from "/static/hub.js";

const T = {
  title: {"zh-Hans": "窗口叫号", en: "Staff console"},
  signout: {"zh-Hans": "退出", en: "Sign out"},
  offline: {"zh-Hans": "连接不上叫号服务器，正在重连…", en: "The hub cannot be reached; reconnecting…"},
  offline_hint: {"zh-Hans": "按键暂不可用；连上后自动恢复，未完成的操作会自动重发一次",
                 en: "Buttons are off until it is back; an unanswered command is sent again, once"},
  signin_title: {"zh-Hans": "窗口登录", en: "Window sign-in"},
  hall: {"zh-Hans": "大厅", en: "Hall"},
  window_no: {"zh-Hans": "窗口号", en: "Window number"},
  token: {"zh-Hans": "窗口令牌", en: "Window token"},
  remember: {"zh-Hans": "在这台电脑上记住", en: "Remember on this PC"},
  signin: {"zh-Hans": "登录", en: "Sign in"},
  current: {"zh-Hans": "当前办理", en: "At the counter"},
  b_next: {"zh-Hans": "叫下一位", en: "Call next"},
  b_recall: {"zh-Hans": "重呼", en: "Recall"},
  b_complete: {"zh-Hans": "办结", en: "Complete"},
  b_skip: {"zh-Hans": "过号", en: "No-show"},
  b_requeue: {"zh-Hans": "过号重排", en: "Requeue"},
  b_transfer: {"zh-Hans": "转办", en: "Transfer"},
  b_pause: {"zh-Hans": "暂停", en: "Pause"},
  b_resume: {"zh-Hans": "恢复", en: "Resume"},
  b_call: {"zh-Hans": "叫指定号", en: "Call a number"},
  b_start: {"zh-Hans": "群众已到", en: "Citizen arrived"},
  b_close: {"zh-Hans": "关闭窗口", en: "Close window"},
  call_h: {"zh-Hans": "叫指定号", en: "Call a ticket by its number"},
  call_help: {"zh-Hans": "叫一个正在等候的号（不按排队顺序），例如叫回先到的群众；当前的号会先办结。",
              en: "Call one waiting ticket out of turn (a citizen who came first, say); the ticket at the counter is completed first."},
  call_ok: {"zh-Hans": "叫号", en: "Call"},
  close_h: {"zh-Hans": "关闭本窗口？", en: "Close this window?"},
  close_help: {"zh-Hans": "屏幕上本窗口显示为未开放，等候时间不再算上本窗口；叫号（N 或 J）即重新开放。",
               en: "The screens show it as closed and waits no longer count on it; calling a ticket (N or J) opens it again."},
  close_ok: {"zh-Hans": "关闭窗口", en: "Close window"},
  b_issue: {"zh-Hans": "绿色通道 / 优先取号", en: "Green channel / priority ticket"},
  issue_h: {"zh-Hans": "绿色通道 / 优先取号", en: "Issue a green-channel or priority ticket"},
  issue_class: {"zh-Hans": "类别", en: "Class"},
  class_green: {"zh-Hans": "绿色通道（紧急）", en: "Green channel (urgent)"},
  class_priority: {"zh-Hans": "优先（{who}）", en: "Priority ({who})"},  // who: the hall's first categories
  issue_priority: {"zh-Hans": "优先类别", en: "Priority for"},
  issue_reason: {"zh-Hans": "原因（绿色通道必填：急办的情况）", en: "Reason (required for the green channel: the urgent case)"},
  issue_ok: {"zh-Hans": "取号", en: "Issue"},
  done_issue: {"zh-Hans": "已取 {t}，前面 {n} 人", en: "Issued {t}, {n} ahead"},
  e_reason_required: {"zh-Hans": "绿色通道须写明原因", en: "A green-channel ticket needs a reason"},
  ahead_new: {"zh-Hans": "新号前面", en: "Ahead of a new ticket"},
  today: {"zh-Hans": "今日本窗口", en: "This window today"},
  served: {"zh-Hans": "已办结", en: "Served"},
  mean_service: {"zh-Hans": "平均办理（分钟）", en: "Mean service (min)"},
  waiting_h: {"zh-Hans": "等候", en: "Waiting"},
  service: {"zh-Hans": "业务", en: "Service"},
  waiting: {"zh-Hans": "等候人数", en: "Waiting"},
  estimate: {"zh-Hans": "预计等候", en: "Est. wait"},
  keys_hint: {"zh-Hans": "快捷键：N 叫下一位 · A 群众已到 · C 办结 · J 叫指定号 · R 重呼 · S 过号 · Q 过号重排 · T 转办 · P 暂停 · U 恢复 · X 关闭窗口 · G 绿色通道/优先取号",
              en: "Keys: N call next · A citizen arrived · C complete · J call a number · R recall · S no-show · Q requeue · T transfer · P pause · U resume · X close the window · G green channel / priority ticket"},
  requeue_h: {"zh-Hans": "过号重排：回来的群众", en: "Requeue a citizen who came back"},
  ticket_no: {"zh-Hans": "票号（如 A023）", en: "Ticket number (e.g. A023)"},
  transfer_h: {"zh-Hans": "转办", en: "Transfer"},
  to_service: {"zh-Hans": "转到业务", en: "To service"},
  to_window: {"zh-Hans": "转到窗口（可不选）", en: "To window (optional)"},
  any_window: {"zh-Hans": "任一窗口", en: "Any window"},
  pause_h: {"zh-Hans": "暂停窗口", en: "Pause the window"},
  reason: {"zh-Hans": "原因", en: "Reason"},
  until: {"zh-Hans": "预计恢复时间（可不填）", en: "Back at (optional)"},
  cancel: {"zh-Hans": "取消", en: "Cancel"},
  ok: {"zh-Hans": "确定", en: "OK"},
  st_open: {"zh-Hans": "开放", en: "Open"},
  st_paused: {"zh-Hans": "暂停", en: "Paused"},
  st_closed: {"zh-Hans": "未开放", en: "Closed"},
  t_called: {"zh-Hans": "已叫号，等候到达", en: "Called, on the way"},
  t_serving: {"zh-Hans": "办理中", en: "Being served"},
  free: {"zh-Hans": "空闲", en: "Free"},
  window_n: {"zh-Hans": "{n} 号窗口", en: "Window {n}"},
  sending: {"zh-Hans": "正在发送…", en: "Sending…"},
  waiting_hub: {"zh-Hans": "等待服务器应答（连上后自动重发）…", en: "Waiting for the hub (sent again on reconnect)…"},
  done_call_next: {"zh-Hans": "已叫 {t}", en: "Called {t}"},
  done_call: {"zh-Hans": "已叫 {t}", en: "Called {t}"},
  done_start: {"zh-Hans": "{t} 已到，开始办理", en: "{t} is at the counter: being served"},
  done_close: {"zh-Hans": "窗口已关闭", en: "Window closed"},
  done_recall: {"zh-Hans": "已重呼 {t}", en: "Called {t} again"},
  done_complete: {"zh-Hans": "{t} 已办结", en: "{t} completed"},
  done_skip: {"zh-Hans": "{t} 已过号", en: "{t} marked as no-show"},
  done_requeue: {"zh-Hans": "{t} 已重新排队", en: "{t} is back in the queue"},
  done_transfer: {"zh-Hans": "{t} 已转办", en: "{t} transferred"},
  done_pause: {"zh-Hans": "窗口已暂停", en: "Window paused"},
  done_resume: {"zh-Hans": "窗口已恢复", en: "Window open again"},
  e_unauthorized: {"zh-Hans": "令牌不对，或不是 {n} 号窗口的令牌", en: "Wrong token, or not the token of window {n}"},
  e_nothing_waiting: {"zh-Hans": "没有等候的群众", en: "Nobody is waiting for this window"},
  e_nothing_called: {"zh-Hans": "本窗口没有正在办理的号", en: "No ticket at this window"},
  e_window_paused: {"zh-Hans": "窗口暂停中，请先恢复", en: "The window is paused: resume it first"},
  e_window_busy: {"zh-Hans": "请先办结或过号当前的号", en: "Complete or skip the ticket at the counter first"},
  e_recall_limit: {"zh-Hans": "重呼次数已到上限，请按过号", en: "Recalled enough times: mark it as a no-show"},
};

const $ = (id) => document.getElementById(id);
let hub = null, who = null, config = null, windows = {}, estimates = {services: {}}, offset = 0, busy = false;

function mine() {
  return windows[String(who.window)] || {state: "closed", served: 0, service_seconds: 0};
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
  $("win-title").textContent = "· " + tr("window_n", {n: who.window});
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
    const what = fields.ticket ? fields.ticket + (currentLang() === "en" ? ": " : "：") : "";
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
          el("option", {value: String(w.number), text: tr("window_n", {n: w.number})})));
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

setupLang(T, () => render());
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
