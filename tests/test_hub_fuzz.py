"""Thousands of random frames from every role: each gets one error, the hub stays up, the state stays.

The hub runs in a background thread for the whole module; Hypothesis drives
plain (synchronous) websocket clients, one per role, so an example costs a
few round trips and not a hub start.
"""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from hub_harness import TOKENS, HubHarness, hub_in_thread, legitimate

from signage import protocol as p

HELLOS = {
    "screen": {"screen": "main"},
    "announcer": {"zone": "1F"},
    "window": {"window": 3},
    "kiosk": {},
    "manager": {},
}


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    with hub_in_thread(tmp) as harness:
        yield from _peers(harness)


def _peers(harness: HubHarness):
    peers = {}
    stack = contextlib.ExitStack()
    for role, extra in HELLOS.items():
        ws = stack.enter_context(connect(harness.url, compression=None, max_size=8 * 1024 * 1024))
        ws.send(json.dumps({"type": "hello", "v": 1, "role": role, "hall": "zhongshan", "token": TOKENS[role], **extra}))
        assert json.loads(ws.recv(timeout=3))["type"] == "welcome"
        peers[role] = ws
    for ws in peers.values():  # the first estimates come once, a moment after the start
        while json.loads(ws.recv(timeout=3))["type"] != "estimates":
            pass
        _quiet(ws)
    yield harness, peers
    stack.close()


def _quiet(ws) -> None:
    """Read what the hub pushed on its own (the first estimates) until the line is quiet."""
    while True:
        try:
            ws.recv(timeout=0.2)
        except TimeoutError:
            return


# --- what a confused, buggy or hostile client might send ---------------------------

TYPES = sorted(p.CLIENT_TYPES) + ["", "HELLO", "event", "ok", "welcome", "drop_table", "call-next"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                    st.text(max_size=20))
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                           max_leaves=5)
FIELDS = ["id", "window", "service", "ticket", "priority", "green", "appointment", "slot", "reason", "until",
          "score", "messages", "text", "style", "screens", "to_window", "v", "role", "hall", "token", "since"]
message_like = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES)},
    optional={f: st.one_of(json_values, st.integers(-5, 20), st.sampled_from(["id-card", "A001", "x" * 70, "", "3"]))
              for f in FIELDS})
safe_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
frames = st.one_of(
    message_like.map(json.dumps),
    json_values.map(json.dumps),
    safe_text,
    st.binary(max_size=64),
    message_like.map(lambda m: json.dumps(m)[:-1]),  # cut short
)


def test_random_frames_from_every_role_are_answered_with_errors(live_hub) -> None:
    harness, peers = live_hub
    hall = harness.hub.halls["zhongshan"]
    before_seq = hall.durable.seq
    before_view = json.dumps(hall.durable.engine.public_view(), sort_keys=True)
    sent = {"n": 0}

    @settings(max_examples=250, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                     HealthCheck.too_slow])
    @given(role=st.sampled_from(sorted(HELLOS)), batch=st.lists(frames, min_size=8, max_size=24))
    def check(role: str, batch: list[str | bytes]) -> None:
        batch = [f for f in batch if not legitimate(f, role)]
        assume(batch)
        ws = peers[role]
        for frame in batch:
            ws.send(frame)
        try:
            for frame in batch:
                answer = json.loads(ws.recv(timeout=3))
                assert answer["type"] == "error", (role, frame, answer)
                assert answer["code"] in CODES, answer
        except BaseException:
            _quiet(ws)  # so that the next example does not read this one's answers
            raise
        sent["n"] += len(batch)

    check()
    assert sent["n"] >= 2500
    assert hall.durable.seq == before_seq
    assert json.dumps(hall.durable.engine.public_view(), sort_keys=True) == before_view
    for role, ws in peers.items():  # every line is still open and answering
        ws.send(json.dumps({"type": "ping", "id": role}))
        assert json.loads(ws.recv(timeout=3)) == {"type": "pong", "id": role}


CODES = {"bad_json", "binary_frame", "too_large", "bad_message", "unknown_type", "bad_field", "forbidden",
         # refusals by the queue rules for well-formed commands that cannot apply (state unchanged)
         "unknown_service", "unknown_window", "unknown_ticket", "nothing_waiting", "nothing_called",
         "bad_messages", "bad_notice", "unknown_screen", "no_notice", "not_paused", "already_open",
         "already_closed", "bad_transfer", "window_paused", "duplicate_id"}
