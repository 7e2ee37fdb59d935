// The rating pad at a window (/rate?hall=H&window=N): docs/web.md. Signs in with the window's token
// (a window may send `rate` for itself); asks after each ticket the window completes.
import {HubClient, setupLang, tr, signIn, forget, el, errorText} from "/static/hub.js";

// The page's words: signage/catalogues/pages/<lang>.yaml, sections common and rate.

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
    $("win-title").textContent = "· " + tr("window_n", {window: who.window});
    $("idle-window").textContent = tr("window_n", {window: who.window});
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

await setupLang("rate", buildScores);
$("submit").addEventListener("click", submit);
window.signageRate = {get hub() { return hub; }, get ticket() { return ticket; }};
start(null);
