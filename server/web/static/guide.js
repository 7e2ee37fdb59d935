// The guide's tablet at the entrance (/guide?hall=H), 引导员: issues every class of ticket
// (normal, priority with its category, green channel with its reason, appointment check-in)
// and calls nothing. docs/web.md.
import {HubClient, setupLang, tr, pick, signIn, forget, el, currentLang, errorText, priorityCategories,
        priorityName, priorityWords} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and guide.

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
    flash(errorText(err), "error");  // the page's words, in its language only (hub.js)
  } finally {
    busy = false;
    render();
  }
}

function apply(msg) {
  if (msg.type === "welcome" || msg.type === "config") config = msg.config || config;
  else if (msg.type === "error") flash(errorText(msg), "error");
  render();
}

async function start(error) {
  who = await signIn({role: "guide", error});
  history.replaceState(null, "", `/guide?hall=${encodeURIComponent(who.hall)}`);
  hub = new HubClient({role: "guide", hall: who.hall, token: who.token}, {
    message: apply,
    status: (up) => { $("offline").hidden = up; render(); },
    fatal: (err) => { forget("guide", who.hall); start(errorText(err)); },
  }).start();
  setTimeout(() => { if (hub && !hub.up && !hub.stopped) $("offline").hidden = false; }, 2500);
}

await setupLang("guide", () => { builtFor = null; render(); if (last) $("r-ahead").textContent = last.ahead > 0 ? tr("r_ahead", {n: last.ahead}) : tr("r_next"); });
$("issue-form").addEventListener("change", () => render());
$("issue-form").addEventListener("submit", submit);
$("signout").addEventListener("click", () => {
  if (hub) hub.stop();
  forget("guide", who.hall);
  location.reload();
});
window.signageGuide = {get hub() { return hub; }, get last() { return last; }};
start(null);
