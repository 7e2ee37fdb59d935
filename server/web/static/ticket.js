// "My ticket" (/t/<key>) on a citizen's phone: docs/web.md. Read only: the link key is the only credential.
import {HubClient, setupLang, tr, pick, waitText} from "/static/hub.js";

const T = {
  title: {"zh-Hans": "我的排队号", en: "My ticket"},
  offline: {"zh-Hans": "网络断开，正在重连…", en: "Offline; reconnecting…"},
  your_turn: {"zh-Hans": "轮到您了", en: "It is your turn"},
  go_to: {"zh-Hans": "请到 {w} 号窗口（{f}）", en: "Please go to window {w}, {f}"},
  go_to_nofloor: {"zh-Hans": "请到 {w} 号窗口", en: "Please go to window {w}"},
  recalled: {"zh-Hans": "第 {n} 次呼叫，请尽快到窗口", en: "Called {n} times: please hurry to the window"},
  serving: {"zh-Hans": "正在 {w} 号窗口办理", en: "Being served at window {w}"},
  ahead: {"zh-Hans": "您前面还有", en: "Ahead of you"},
  people: {"zh-Hans": "{n} 人", en: "{n}"},
  next: {"zh-Hans": "下一位就是您，请到窗口附近等候", en: "You are next: please wait near the windows"},
  estimate: {"zh-Hans": "预计等候：{e}", en: "Expected wait: {e}"},
  done: {"zh-Hans": "已办结，感谢您的耐心", en: "Done. Thank you for your patience"},
  skipped: {"zh-Hans": "已过号。如您已回到大厅，请到窗口说明，可重新排队", en: "Missed. If you are back, tell the window: you can be put back in line"},
  cancelled: {"zh-Hans": "此号已作废（大厅下班）", en: "This ticket was cancelled (the hall closed)"},
  gone: {"zh-Hans": "这是之前的排队号", en: "This ticket is from an earlier day"},
  unknown: {"zh-Hans": "找不到这个排队号：链接有误或已过期", en: "This ticket link is not known (wrong or expired)"},
  transferred: {"zh-Hans": "已转到：{s}", en: "Transferred to: {s}"},
  to_window: {"zh-Hans": "将由 {w} 号窗口办理", en: "Window {w} will serve you"},
  way: {"zh-Hans": "怎么走", en: "How to get there"},
  from: {"zh-Hans": "从取号机出发：", en: "From the ticket machines: "},
  note: {"zh-Hans": "本页自动更新，无需刷新。请留意大厅叫号。", en: "This page updates by itself. Listen for the calls in the hall too."},
};

const $ = (id) => document.getElementById(id);
let view = null, lastState = null, lastRecalls = 0;

function render() {
  if (!view) return;
  const v = view;
  if (v.hall_name) $("hall-name").textContent = pick(v.hall_name);
  $("number").textContent = v.number || "—";
  $("service").textContent = v.service_name ? pick(v.service_name) : "";
  const turn = v.state === "called" || v.state === "serving";
  $("turn").hidden = !turn;
  $("way").hidden = !(turn && v.window?.directions);
  const place = $("place");
  place.replaceChildren();
  if (turn && v.window) {
    const w = v.window;
    const floor = w.floor_name ? pick(w.floor_name) : w.floor;
    $("where").textContent = v.state === "serving" ? tr("serving", {w: w.number})
      : floor ? tr("go_to", {w: w.number, f: floor}) : tr("go_to_nofloor", {w: w.number});
    if (v.recalls > 0 && v.state === "called") place.textContent = tr("recalled", {n: v.recalls + 1});
    if (w.directions) {
      $("directions").textContent = (w.from ? tr("from") : "") + pick(w.directions);
      $("summary").textContent = pick(w.summary);
    }
    place.hidden = !place.textContent;
    return;
  }
  place.hidden = false;
  if (v.state === "waiting") {
    if (v.ahead === 0) {
      place.append(Object.assign(document.createElement("b"), {textContent: tr("next")}));
    } else if (v.ahead != null) {
      place.append(tr("ahead"), Object.assign(document.createElement("b"), {textContent: tr("people", {n: v.ahead})}));
    }
    const line = document.createElement("div");
    const words = waitText(v, v.ahead);  // the one wording of estimates (hub.js)
    if (words) line.textContent = tr("estimate", {e: words});
    place.append(line);
    if (v.to_window) place.append(Object.assign(document.createElement("div"), {textContent: tr("to_window", {w: v.to_window})}));
  } else {
    place.textContent = tr({completed: "done", skipped: "skipped", cancelled: "cancelled", gone: "gone"}[v.state] || "unknown");
  }
}

function onView(v) {
  const called = (v.state === "called") && (lastState !== "called" || (v.recalls || 0) > lastRecalls);
  view = v;
  lastState = v.state;
  lastRecalls = v.recalls || 0;
  render();
  if (called) {
    document.title = `${v.number} → ${v.window?.number ?? ""}`;
    if (navigator.vibrate) navigator.vibrate([400, 200, 400]);
  }
}

setupLang(T, render);
const key = location.pathname.split("/").pop();
const hub = new HubClient({role: "ticket", hall: "*", ticket: key}, {
  message: (msg) => { if (msg.type === "ticket") onView(msg.ticket); },
  status: (up) => { $("offline").hidden = up; },
  fatal: () => { view = {state: "unknown"}; render(); $("number").textContent = "—"; },
}).start();
window.signageTicket = {get view() { return view; }, hub};
