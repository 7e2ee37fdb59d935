// The rating pad at a window (/rate?hall=H&window=N): docs/web.md. Signs in with the window's token
// (a window may send `rate` for itself); asks after each ticket the window completes.
import {HubClient, setupLang, tr, signIn, forget, el, errorText} from "/static/hub.js";

const T = {
  title: {"zh-Hans": "服务评价", en: "Rate our service"},
  offline: {"zh-Hans": "评价器未连接，正在重连…", en: "Not connected; reconnecting…"},
  signin_title: {"zh-Hans": "评价器设置", en: "Rating pad set-up"},
  hall: {"zh-Hans": "大厅", en: "Hall"},
  window_no: {"zh-Hans": "窗口号", en: "Window number"},
  token: {"zh-Hans": "窗口令牌", en: "Window token"},
  signin: {"zh-Hans": "保存并开始", en: "Save and start"},
  welcome: {"zh-Hans": "欢迎，办结后请您对本次服务进行评价", en: "Welcome. After your service, please rate it here"},
  window_n: {"zh-Hans": "{n} 号窗口", en: "Window {n}"},
  ask: {"zh-Hans": "{t} 号，请您对本次服务评价", en: "Ticket {t}: how was our service?"},
  ask_plain: {"zh-Hans": "请您对本次服务评价", en: "How was our service?"},
  overall: {"zh-Hans": "总体评价", en: "Overall"},
  attitude: {"zh-Hans": "服务态度", en: "Attitude"},
  efficiency: {"zh-Hans": "办事效率", en: "Efficiency"},
  environment: {"zh-Hans": "大厅环境", en: "Environment"},
  s4: {"zh-Hans": "非常满意", en: "Very satisfied"},
  s3: {"zh-Hans": "满意", en: "Satisfied"},
  s2: {"zh-Hans": "基本满意", en: "Fair"},
  s1: {"zh-Hans": "不满意", en: "Dissatisfied"},
  submit: {"zh-Hans": "提交评价", en: "Submit"},
  thanks: {"zh-Hans": "感谢您的评价！", en: "Thank you for your rating!"},
  sending: {"zh-Hans": "正在提交…", en: "Sending…"},
  e_unauthorized: {"zh-Hans": "令牌不对，或不是 {n} 号窗口的令牌", en: "Wrong token, or not the token of window {n}"},
};
const ASPECTS = ["overall", "attitude", "efficiency", "environment"];
const ASK_SECONDS = 90, THANKS_SECONDS = 4;

const $ = (id) => document.getElementById(id);
let hub = null, who = null, ticket = null, chosen = {}, timer = null, sending = false, seen = null;

function show(view) {
  for (const id of ["v-idle", "v-ask", "v-thanks"]) $(id).hidden = id !== view;
}

function buildScores() {
  for (const a of ASPECTS) {
    $(a).replaceChildren(...[4, 3, 2, 1].map((s) => el("button", {type: "button", "aria-pressed": chosen[a] === s ? "true" : "false",
      dataset: {score: String(s)}, text: tr("s" + s), onclick: () => choose(a, s)})));
  }
  $("submit").disabled = !chosen.overall || sending || !hub?.up;
  $("ask-h").textContent = ticket ? tr("ask", {t: ticket.number}) : tr("ask_plain");
  if (who) {
    $("win-title").textContent = "· " + tr("window_n", {n: who.window});
    $("idle-window").textContent = tr("window_n", {n: who.window});
  }
}

function choose(aspect, score) {
  chosen[aspect] = score;
  buildScores();
  restartTimer(ASK_SECONDS);
}

function restartTimer(seconds) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (!$("v-ask").hidden && chosen.overall) submit();  // a choice was made: keep it
    else idle();
  }, seconds * 1000);
}

function idle() {
  ticket = null;
  chosen = {};
  show("v-idle");
}

function ask(t) {
  ticket = t;
  chosen = {};
  buildScores();
  show("v-ask");
  restartTimer(ASK_SECONDS);
}

async function submit() {
  if (!chosen.overall || sending) return;
  sending = true;
  buildScores();
  $("rate-msg").textContent = tr("sending");
  const cmd = {type: "rate", window: who.window, score: chosen.overall};
  for (const a of ["attitude", "efficiency", "environment"]) if (chosen[a]) cmd[a] = chosen[a];
  if (ticket) cmd.ticket = ticket.id;
  try {
    await hub.request(cmd);
    $("rate-msg").textContent = "";
    show("v-thanks");
    clearTimeout(timer);
    timer = setTimeout(idle, THANKS_SECONDS * 1000);
  } catch (err) {
    $("rate-msg").textContent = errorText(err);  // the page's words, in its language (hub.js)
  } finally {
    sending = false;
    buildScores();
  }
}

function apply(msg) {
  if (msg.type !== "event") return;
  const e = msg.event;
  // after each ticket this window completes (pressing "next" completes the one before)
  if (e.type === "ticket_completed" && e.window === who.window && e.ticket && e.ticket.id !== seen) {
    seen = e.ticket.id;
    ask(e.ticket);
  }
}

async function start(error) {
  who = await signIn({role: "rate", needWindow: true, error});
  history.replaceState(null, "", `/rate?hall=${encodeURIComponent(who.hall)}&window=${who.window}`);
  buildScores();
  hub = new HubClient({role: "window", hall: who.hall, token: who.token, window: who.window}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; buildScores(); },
    fatal: (err) => { forget("rate", who.hall, who.window); start(errorText(err, {n: who.window})); },
  }).start();
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
  idle();
}

setupLang(T, buildScores);
$("submit").addEventListener("click", submit);
window.signageRate = {get hub() { return hub; }, get ticket() { return ticket; }};
start(null);
