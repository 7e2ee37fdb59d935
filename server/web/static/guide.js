// The guide's tablet at the entrance (/guide?hall=H), 引导员: issues every class of ticket
// (normal, priority with its category, green channel with its reason, appointment check-in)
// and calls nothing. docs/web.md.
import {HubClient, setupLang, tr, pick, signIn, forget, el, currentLang, priorityCategories,
        priorityName, priorityWords} from "/static/hub.js";

const T = {
  title: {"zh-Hans": "引导员取号", en: "Guide: issue tickets"},
  signout: {"zh-Hans": "退出", en: "Sign out"},
  offline: {"zh-Hans": "连接不上叫号服务器，正在重连…", en: "The hub cannot be reached; reconnecting…"},
  signin_title: {"zh-Hans": "引导员登录", en: "Guide sign-in"},
  hall: {"zh-Hans": "大厅", en: "Hall"},
  token: {"zh-Hans": "引导员令牌", en: "Guide token"},
  remember: {"zh-Hans": "在这台平板上记住", en: "Remember on this tablet"},
  signin: {"zh-Hans": "登录", en: "Sign in"},
  class_h: {"zh-Hans": "取号类别", en: "Kind of ticket"},
  c_normal: {"zh-Hans": "普通", en: "Normal"},
  c_priority: {"zh-Hans": "优先（{who}）", en: "Priority ({who})"},  // who: the hall's first categories
  c_green: {"zh-Hans": "绿色通道（紧急）", en: "Green channel (urgent)"},
  c_appointment: {"zh-Hans": "预约签到", en: "Appointment check-in"},
  priority_h: {"zh-Hans": "优先类别", en: "Priority for"},
  reason: {"zh-Hans": "原因", en: "Reason"},
  reason_green: {"zh-Hans": "（必填：急办的情况，如 3 天后出境航班）", en: "(required: the urgent case, e.g. a flight in 3 days)"},
  reason_priority: {"zh-Hans": "（可不填）", en: "(optional)"},
  code: {"zh-Hans": "预约码", en: "Appointment code"},
  service_h: {"zh-Hans": "业务", en: "Service"},
  issue: {"zh-Hans": "取号", en: "Issue the ticket"},
  sending: {"zh-Hans": "正在取号…", en: "Issuing…"},
  r_title: {"zh-Hans": "已取号", en: "Ticket issued"},
  r_green: {"zh-Hans": "绿色通道：{r}", en: "Green channel: {r}"},
  r_priority: {"zh-Hans": "优先：{who}", en: "Priority: {who}"},
  r_appointment: {"zh-Hans": "预约签到", en: "Appointment"},
  r_ahead: {"zh-Hans": "前面还有 {n} 人", en: "{n} ahead"},
  r_next: {"zh-Hans": "下一位就是他/她", en: "Next in line"},
  need_service: {"zh-Hans": "请选择业务", en: "Choose the service"},
  bad_token: {"zh-Hans": "令牌不对：{m}", en: "Wrong token: {m}"},
  e_reason_required: {"zh-Hans": "绿色通道须写明原因", en: "A green-channel ticket needs a reason"},
  e_unknown_appointment: {"zh-Hans": "找不到这个预约码", en: "This appointment code is not known"},
  e_wrong_day: {"zh-Hans": "这个预约不是今天的", en: "This appointment is not for today"},
  e_already_checked_in: {"zh-Hans": "这个预约已经签到过了", en: "This appointment has checked in already"},
  e_hall_closed: {"zh-Hans": "现在不在办公时间", en: "The hall is closed now"},
};

const $ = (id) => document.getElementById(id);
let hub = null, who = null, config = null, busy = false, last = null, builtFor = null;

function checked(name) {
  return $("issue-form").querySelector(`input[name="${name}"]:checked`)?.value || "";
}

function klass() {
  return checked("klass") || "normal";
}

function flash(text, kind) {
  $("flash").textContent = text;
  $("flash").className = "flash " + (kind || "");
}

// Radio tiles: one tab stop per group, arrows move within it, Space/Enter choose; big for fingers.
function radio(name, value, text, checked) {
  return el("label", {class: "choice"}, el("input", {type: "radio", name, value, checked}), el("span", {text}));
}

function render() {
  if (!config) return;
  $("hall-name").textContent = "· " + pick(config.hall.name);
  const key = [config, currentLang()];
  if (!builtFor || key.some((k, i) => k !== builtFor[i])) {
    builtFor = key;
    const categories = priorityCategories(config);  // the hall file's priority.categories
    const service = checked("service");
    const priority = categories.some((c) => c.id === checked("priority")) ? checked("priority") : categories[0].id;
    $("services").replaceChildren(...config.services.map((s) =>
      radio("service", s.id, `${s.prefix} · ${pick(s.name)}`, s.id === service)));
    $("c-priority").textContent = tr("c_priority", {who: priorityWords(config, {most: 3})});
    $("priority-kinds").replaceChildren(...categories.map((c) => radio("priority", c.id, pick(c.name), c.id === priority)));
  }
  const k = klass();
  $("priority-box").hidden = k !== "priority";
  $("reason-box").hidden = k !== "green" && k !== "priority";
  $("reason-hint").textContent = k === "green" ? tr("reason_green") : tr("reason_priority");
  $("g-reason").required = k === "green";
  $("code-box").hidden = k !== "appointment";
  $("g-code").required = k === "appointment";
  $("service-box").hidden = k === "appointment";  // the booking knows its service
  $("g-issue").disabled = busy || !hub?.up;
}

function showResult(result, cmd) {
  const t = result.ticket;
  const service = config.services.find((s) => s.id === t.service);
  last = {ticket: t, ahead: result.ahead ?? 0, reason: cmd.reason || null, priority: cmd.priority || null};
  $("result").hidden = false;
  $("r-number").textContent = t.number;
  $("r-service").textContent = service ? pick(service.name) : t.service;
  $("r-class").textContent = t.class === "green" ? tr("r_green", {r: cmd.reason})
    : t.class === "priority" ? tr("r_priority", {who: priorityName(config, cmd.priority)})
    : t.class === "appointment" ? tr("r_appointment") : "";
  $("r-ahead").textContent = last.ahead > 0 ? tr("r_ahead", {n: last.ahead}) : tr("r_next");
}

async function submit(ev) {
  ev.preventDefault();
  if (busy || !hub?.up) return;
  const f = $("issue-form").elements, k = klass();
  const reason = f.reason.value.trim();
  let cmd;
  if (k === "appointment") {
    cmd = {type: "check_in", code: f.code.value.trim().toUpperCase()};
  } else {
    if (!checked("service")) { flash(tr("need_service"), "error"); return; }
    cmd = {type: "issue", service: checked("service")};
    if (k === "priority") cmd.priority = checked("priority") || priorityCategories(config)[0].id;
    if (k === "green") cmd.green = true;
    if ((k === "green" || k === "priority") && reason) cmd.reason = reason;
  }
  busy = true;
  render();
  flash(tr("sending"));
  try {
    const result = await hub.request(cmd);
    showResult(result, cmd);
    flash("");
    f.reason.value = "";
    f.code.value = "";
  } catch (err) {
    const key = "e_" + err.code;
    flash(T[key] ? `${tr(key)} (${err.message})` : `${err.code}: ${err.message}`, "error");
  } finally {
    busy = false;
    render();
  }
}

function apply(msg) {
  if (msg.type === "welcome" || msg.type === "config") config = msg.config || config;
  else if (msg.type === "error") flash(`${msg.code}: ${msg.message}`, "error");
  render();
}

async function start(error) {
  who = await signIn({role: "guide", error});
  history.replaceState(null, "", `/guide?hall=${encodeURIComponent(who.hall)}`);
  hub = new HubClient({role: "guide", hall: who.hall, token: who.token}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; render(); },
    fatal: (err) => { forget("guide", who.hall); start(tr("bad_token", {m: err.message})); },
  }).start();
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
}

setupLang(T, () => { builtFor = null; render(); if (last) $("r-ahead").textContent = last.ahead > 0 ? tr("r_ahead", {n: last.ahead}) : tr("r_next"); });
$("issue-form").addEventListener("change", () => render());
$("issue-form").addEventListener("submit", submit);
$("signout").addEventListener("click", () => {
  if (hub) hub.stop();
  forget("guide", who.hall);
  location.reload();
});
window.signageGuide = {get hub() { return hub; }, get last() { return last; }};
start(null);
