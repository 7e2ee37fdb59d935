"""Random command sequences never break the queue's invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.queue.engine import QueueEngine
from server.queue.rules import AT_WINDOW_STATES
from engine_hall import Driver

WINDOWS = st.integers(min_value=1, max_value=4)
TICKETS = st.sampled_from(["A001", "A002", "A003", "B001", "B002", "A404"])

COMMANDS = st.one_of(
    st.tuples(st.just("issue"), st.fixed_dictionaries({
        "service": st.sampled_from(["id-card", "passport"]),
    }, optional={"priority": st.just("elderly"), "green": st.booleans(),
                 "reason": st.just("flight in 3 days"),
                 "slot": st.sampled_from(["09:10", "10:00"])})),
    st.tuples(st.sampled_from(["call_next", "recall", "start", "skip", "complete",
                               "pause", "resume", "open", "close"]),
              st.fixed_dictionaries({"window": WINDOWS})),
    st.tuples(st.just("call"), st.fixed_dictionaries({"window": WINDOWS, "ticket": TICKETS})),
    st.tuples(st.just("requeue"), st.fixed_dictionaries({"window": WINDOWS, "ticket": TICKETS})),
    st.tuples(st.just("transfer"), st.fixed_dictionaries(
        {"window": WINDOWS}, optional={"service": st.sampled_from(["id-card", "passport"]), "to_window": WINDOWS})),
)
STEPS = st.lists(st.tuples(COMMANDS, st.floats(min_value=0, max_value=90), st.booleans()), max_size=60)


def check_invariants(engine: QueueEngine) -> None:
    st_ = engine.state
    at_window = {}
    for t in st_.tickets.values():
        if t.state in AT_WINDOW_STATES:
            assert t.window is not None
            assert t.window not in at_window, f"two tickets at window {t.window}"
            at_window[t.window] = t.id
    for number, w in st_.windows.items():
        if w.ticket is not None and st_.tickets[w.ticket].state in AT_WINDOW_STATES:
            assert at_window.get(number) == w.ticket
        if w.state in ("paused", "closed"):
            assert number not in at_window, "a paused or closed window holds a ticket"
    live = [t.number for t in st_.tickets.values() if t.state != "cancelled"]
    assert len(live) == len(set(live)), "a number used twice in a day"
    waiting = engine.public_view()["waiting"]
    assert sum(waiting.values()) == sum(t.state == "waiting" for t in st_.tickets.values())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_random_sequences_keep_invariants_and_replay(steps):
    d = Driver()
    minute = 0.0
    for (cmd, fields), advance, retry in steps:
        minute += advance / 10
        d.at(minute)
        decision = d.send(cmd, actor="window:x", rid="same" if retry else None, **fields)
        if not decision.ok:
            continue
        check_invariants(d.engine)
    # the sequence is gap-free and the state is the fold of the events
    replayed = QueueEngine(d.engine.config)
    for seq, e in enumerate(d.log, start=1):
        replayed.apply(e, seq)
    assert replayed.state.seq == d.engine.state.seq == len(d.log)
    assert replayed.state.to_json() == d.engine.state.to_json()
