"""Many thousands of hostile frames from every role, before and after hello: errors only, nothing changes.

tests/test_hub_fuzz.py throws Hypothesis' random frames at connected clients.
This file adds what it does not cover:

* frames built to hurt: mutations of every real command (fields dropped, of the
  wrong type, huge, in odd Unicode, lone surrogates, NUL), oversized frames
  (64-256 KiB: ``too_large``), deep nesting, giant numbers, ``NaN``, duplicate
  keys, request ids of every type and size, hello again;
* first frames of new connections (hostile hellos): an error and a close;
* bystanders: a screen and an announcer connected the whole time receive no
  event, config, messages or notice, and the hall's state and ``seq`` are equal;
* the hub's log has no ERROR line (a handler that failed would be one).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
from typing import Any, Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hub_harness import TOKENS, HubHarness, hub_in_thread, hub_test, legitimate


HELLOS = {
    "screen": {"screen": "main"},
    "announcer": {"zone": "1F"},
    "window": {"window": 3},
    "kiosk": {},
    "manager": {},
}
CODES = {"bad_json", "binary_frame", "too_large", "bad_message", "unknown_type", "bad_field", "forbidden",
         "unknown_service", "unknown_window", "unknown_ticket", "nothing_waiting", "nothing_called",
         "bad_messages", "bad_notice", "unknown_screen", "no_notice", "not_paused", "already_open",
         "already_closed", "bad_transfer", "window_paused", "duplicate_id", "not_skipped", "recall_limit",
         "service_closed", "window_busy", "window_closed", "requeue_expired", "bad_appointment", "bad_slot"}
FIRST_FRAME_CODES = {"hello_first", "unauthorized", "unknown_hall", "unknown_screen", "unknown_window",
                     "unknown_zone", "bad_field", "bad_message", "bad_json", "binary_frame", "too_large",
                     "unknown_type"}

# One real message of every kind a client may send (what the mutations start from).
TEMPLATES: list[dict[str, Any]] = [
    {"type": "issue", "id": "i", "service": "id-card", "priority": "elderly", "green": False,
     "appointment": "AP-1", "slot": "10:30"},
    {"type": "call_next", "id": "c", "window": 3},
    {"type": "call", "id": "c", "window": 3, "ticket": "A001"},
    {"type": "recall", "id": "r", "window": 3},
    {"type": "start", "id": "s", "window": 3},
    {"type": "skip", "id": "s", "window": 3},
    {"type": "requeue", "id": "q", "window": 3, "ticket": "A001"},
    {"type": "transfer", "id": "t", "window": 3, "service": "passport", "to_window": 6},
    {"type": "complete", "id": "c", "window": 3},
    {"type": "pause", "id": "p", "window": 3, "reason": "午休", "until": "13:30"},
    {"type": "resume", "id": "r", "window": 3},
    {"type": "open", "id": "o", "window": 3},
    {"type": "close", "id": "c", "window": 3},
    {"type": "rate", "id": "r", "window": 3, "score": 4, "attitude": 4, "ticket": "A001", "comment": "好"},
    {"type": "set_messages", "id": "m", "messages": [{"text": {"zh-Hans": "请排队", "en": "Queue"}}]},
    {"type": "set_notice", "id": "n", "text": {"zh-Hans": "通知", "en": "Notice"}, "style": "banner",
     "screens": ["main"]},
    {"type": "clear_notice", "id": "x"},
    {"type": "ping", "id": "p"},
    {"type": "hello", "v": 1, "role": "kiosk", "hall": "zhongshan", "token": TOKENS["kiosk"]},
]
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 3.0, 1e308, -1e308, 2**64, -(2**63) - 1, 10**40, "", " ", "3", "A001",
    "x" * 5000, "\u202e\u0635\u0648\u0631\u0629", "\u200b\u200d\ufeff", "🙂" * 50, "\x00", "null", "NaN",
    "'; DROP TABLE events; --", "../../etc/passwd", "{{7*7}}", "${jndi:ldap://x}", "<script>alert(1)</script>",
    [], [1, 2], {}, {"a": {"b": {"c": [None]}}}, ["main"] * 500, {"zh-Hans": 3}, [{"text": None}],
]
# Raw fragments spliced in as text (not valid as JSON values on purpose, or odd escapes).
RAW: list[str] = [
    '"\\ud800"', '"\\udfff\\ud800"', '"a\\u0000b"', "NaN", "Infinity", "-Infinity", "1e999999",
    "9" * 5000, "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "tru", "nul", "0x10", "'x'",
]


def mutate(rng: random.Random, msg: dict[str, Any]) -> str | bytes:
    """One hostile variation of a real message, as the text (or bytes) of a frame."""
    m = dict(msg)
    op = rng.randrange(11)
    keys = list(m)
    if op == 0 and keys:                       # a field missing
        del m[rng.choice(keys)]
    elif op == 1 and keys:                     # a field of the wrong type or size
        m[rng.choice(keys)] = rng.choice(ODD_VALUES)
    elif op == 2:                              # a field nobody knows
        m[rng.choice(["extra", "__proto__", "constructor", "seq", "actor", "at"])] = rng.choice(ODD_VALUES)
    elif op == 3:                              # an odd request id
        m["id"] = rng.choice(ODD_VALUES)
    elif op == 4 and keys:                     # raw text where a value goes
        text = json.dumps(m, ensure_ascii=False)
        key = rng.choice(keys)
        value = json.dumps(m[key], ensure_ascii=False)
        return text.replace(f'"{key}": {value}', f'"{key}": {rng.choice(RAW)}', 1)
    elif op == 5:                              # a duplicate key whose last value is wrong
        text = json.dumps(m, ensure_ascii=False)
        return text[:-1] + ', "type": ' + json.dumps(rng.choice(["teleport", "", 3, None])) + "}"
    elif op == 6:                              # cut short
        text = json.dumps(m, ensure_ascii=False)
        return text[:rng.randrange(len(text))]
    elif op == 7:                              # the same as bytes (a binary frame)
        return json.dumps(m).encode()
    elif op == 8:                              # wrapped, or not an object
        return json.dumps(rng.choice([[m], {"message": m}, "hello", 42, None, [], [[[]]]]))
    elif op == 9:                              # a type that almost exists
        m["type"] = rng.choice(["Issue", "issue ", "call-next", "callNext", "ISSUE", "ping\x00", "hello2", "welcome",
                                "event", "ok", "error", "estimates", "__class__"])
    else:                                      # random printable junk with JSON punctuation
        return "".join(rng.choice('{}[]":,0123456789abc \\\u00e9\u4e2d') for _ in range(rng.randrange(1, 200)))
    return json.dumps(m, ensure_ascii=False)


def hostile(rng: random.Random, role: str, n: int) -> Iterator[str | bytes]:
    made = 0
    while made < n:
        if rng.random() < 0.004:               # oversized but under the close limit: too_large
            frame: str | bytes = '{"type":"issue","id":"big","service":"' + "x" * rng.randrange(66_000, 250_000) + '"}'
        else:
            frame = mutate(rng, rng.choice(TEMPLATES))
        if legitimate(frame, role):
            continue
        made += 1
        yield frame


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory):
    with hub_in_thread(tmp_path_factory.mktemp("hostile")) as harness:
        yield harness


def _hello(url: str, role: str, stack: contextlib.ExitStack) -> Any:
    ws = stack.enter_context(connect(url, compression=None, max_size=8 * 1024 * 1024))
    ws.send(json.dumps({"type": "hello", "v": 1, "role": role, "hall": "zhongshan", "token": TOKENS[role],
                        **HELLOS[role]}))
    assert json.loads(ws.recv(timeout=3))["type"] == "welcome"
    return ws


def _read_all(ws: Any, quiet: float = 0.3) -> list[dict[str, Any]]:
    out = []
    while True:
        try:
            out.append(json.loads(ws.recv(timeout=quiet)))
        except TimeoutError:
            return out


def _state(harness: HubHarness) -> tuple[int, str]:
    hall = harness.hub.halls["zhongshan"]
    return hall.durable.seq, json.dumps(hall.durable.engine.public_view(), sort_keys=True)


@pytest.mark.slow
def test_thousands_of_hostile_frames_change_nothing(fuzz_hub: HubHarness, caplog) -> None:
    caplog.set_level(logging.WARNING)
    rng = random.Random(20261123)
    before = _state(fuzz_hub)
    with contextlib.ExitStack() as stack:
        bystanders = [_hello(fuzz_hub.url, "screen", stack), _hello(fuzz_hub.url, "announcer", stack)]
        for ws in bystanders:
            _read_all(ws)  # the welcome's estimates
        senders = {role: _hello(fuzz_hub.url, role, stack) for role in HELLOS}
        for ws in senders.values():
            _read_all(ws, 0.2)
        sent = 0
        for role, ws in senders.items():
            frames = list(hostile(rng, role, 1800))
            for i in range(0, len(frames), 50):  # in bursts: answers come in order, one per frame
                chunk = frames[i:i + 50]
                for frame in chunk:
                    ws.send(frame)
                for frame in chunk:
                    answer = json.loads(ws.recv(timeout=5))
                    assert answer["type"] == "error", (role, frame[:200], answer)
                    assert answer["code"] in CODES, (role, frame[:200], answer)
                sent += len(chunk)
        assert sent >= 9000
        for ws in senders.values():
            ws.send(json.dumps({"type": "ping", "id": "still-there"}))
            assert json.loads(ws.recv(timeout=3)) == {"type": "pong", "id": "still-there"}
        # Nothing reached the bystanders, nothing changed.
        for ws in bystanders:
            news = [m for m in _read_all(ws) if m["type"] not in ("estimates",)]
            assert news == []
    assert _state(fuzz_hub) == before
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage()[:200] for r in errors]


@pytest.mark.slow
def test_hostile_first_frames_get_an_error_and_a_close(fuzz_hub: HubHarness, caplog) -> None:
    caplog.set_level(logging.WARNING)
    rng = random.Random(7)
    before = _state(fuzz_hub)
    hellos = [{"type": "hello", "v": 1, "role": role, "hall": "zhongshan", "token": TOKENS[role], **extra}
              for role, extra in HELLOS.items()]
    refused = 0
    with contextlib.ExitStack() as stack:
        screen = _hello(fuzz_hub.url, "screen", stack)
        _read_all(screen)
        for _ in range(400):
            hello = dict(rng.choice(hellos))
            frame = mutate(rng, hello) if rng.random() < 0.8 else mutate(rng, rng.choice(TEMPLATES))
            with connect(fuzz_hub.url, compression=None, max_size=8 * 1024 * 1024) as ws:
                ws.send(frame)
                answer = json.loads(ws.recv(timeout=3))
                if answer["type"] == "welcome":  # the mutation left a valid hello: fine, nothing to see
                    continue
                assert answer["type"] == "error" and answer["code"] in FIRST_FRAME_CODES, (frame[:200], answer)
                with pytest.raises(ConnectionClosed):
                    ws.recv(timeout=3)
                assert ws.close_code in (1008, 1009, 1007), (frame[:200], ws.close_code)
                refused += 1
        assert refused >= 300
        assert [m for m in _read_all(screen) if m["type"] != "estimates"] == []
    assert _state(fuzz_hub) == before
    assert fuzz_hub.hub.anonymous == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage()[:200] for r in errors]


# --- a bug the fuzzing found -----------------------------------------------------------------------

@hub_test()
async def test_a_lone_surrogate_is_answered_and_the_line_stays(hub: HubHarness) -> None:
    """JSON may escape half a UTF-16 pair ("\\ud800"); echoed in an error it could not be encoded as
    UTF-8, the handler failed and the connection was closed without an answer."""
    kiosk = await hub.connect("kiosk")
    await kiosk.drain(0.1)
    await kiosk.send('{"type": "\\ud800", "id": "\\udfff"}')
    error = await kiosk.expect("error")
    assert error["code"] == "unknown_type" and error["id"] == "\udfff"
    await kiosk.send({"type": "ping", "id": "p"})
    assert (await kiosk.expect("pong"))["id"] == "p"  # the line stayed open
    error, code = await hub.refused('{"type": "hello", "v": 1, "role": "\\ud800", "hall": "zhongshan"}')
    assert error["type"] == "error" and code == 1008
