"""One registry of event types, one model per frame, one handler per command, one policy row per role.

signage/events.py's ``EVENT_MODELS`` is the list of event types; every other list of them is
derived from it or checked against it here: the engine's folds, the view's handlers (or its
``NOT_SHOWN``), the announcer's spoken events, docs/protocol.md and ``signage schema --protocol``.
Adding an event type in one place and forgetting another fails one of these tests. So does a
field the engine emits that its model does not say (the scripted day, and every engine test that
drives the engine through tests/engine_hall.py's Driver; every hub test checks the frames it gets
through tests/hub_harness.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from audio.announcer import SPOKEN_EVENTS
from engine_hall import HALL_YAML, Driver
from server.hub import hall as hub_hall
from server.hub.hub import ANSWERED_WHILE_CLOSING, HUB_COMMANDS, rate_limited_frame
from server.queue import engine as queue_engine
from server.queue.rules import TRANSITIONS
from server.tools import reliability
from server.web import live
from signage import events as ev
from signage import protocol as p
from signage import view
from signage.cli import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"
COMMANDS = p.CLIENT_TYPES - {"hello"}  # hello opens a connection; it is no command


def _members(union: Any) -> list[type]:
    return list(get_args(get_args(union)[0]))


# --- the event types ----------------------------------------------------------------------------------

def test_the_registry_is_keyed_by_each_models_own_type() -> None:
    for kind, model in ev.EVENT_MODELS.items():
        assert get_args(model.model_fields["type"].annotation) == (kind,)
        assert {"type", "at", "request", "actor", "command"} <= set(model.model_fields)
    assert p.EVENT_MODELS is ev.EVENT_MODELS and p.EVENT_TYPES == ev.EVENT_TYPES == frozenset(ev.EVENT_MODELS)


def test_the_engine_folds_every_registered_event_and_nothing_else() -> None:
    folded = set(queue_engine._FOLDERS)
    assert folded - ev.EVENT_TYPES == set(), "folded by the engine but not in signage/events.py EVENT_MODELS"
    assert ev.EVENT_TYPES - folded == set(), "in EVENT_MODELS but the engine has no fold (server/queue/engine.py _FOLDERS)"
    assert queue_engine.EVENT_TYPES == ev.EVENT_TYPES
    # the ticket events are the moves of a ticket's life (server/queue/rules.py TRANSITIONS)
    assert queue_engine.TICKET_EVENTS == set(TRANSITIONS)


def test_the_view_handles_every_registered_event_or_says_it_shows_nothing_for_it() -> None:
    handled, ignored = set(view._EVENTS), set(view.NOT_SHOWN)
    assert handled & ignored == set(), "both handled and NOT_SHOWN in signage/view.py"
    assert (handled | ignored) - ev.EVENT_TYPES == set(), "signage/view.py names an event type that is not registered"
    assert ev.EVENT_TYPES - (handled | ignored) == set(), \
        "registered but neither handled by signage/view.py (_EVENTS) nor listed in its NOT_SHOWN"


def test_the_announcer_speaks_registered_events_only() -> None:
    assert set(SPOKEN_EVENTS) <= ev.EVENT_TYPES
    assert set(SPOKEN_EVENTS) <= set(view._EVENTS)  # what is spoken is shown as well
    assert reliability.SPOKEN is SPOKEN_EVENTS      # the crash test listens for the same


def _doc() -> str:
    return DOC.read_text("utf-8")


def _events_table(text: str) -> set[str]:
    """The event types in the first column of docs/protocol.md's table of events."""
    section = text.split("### `event`", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}


def test_the_docs_list_every_event_type_and_no_other() -> None:
    documented = _events_table(_doc())
    assert ev.EVENT_TYPES - documented == set(), "missing from the table of events in docs/protocol.md"
    assert documented - ev.EVENT_TYPES == set(), "in docs/protocol.md's table of events but not registered"


def test_the_docs_show_every_frame_and_list_every_command() -> None:
    text = _doc()
    for kind in p.HUB_TYPES:  # each with an example: {"type": "pong", ...}
        assert re.search(rf'"type": "{kind}"', text), f'docs/protocol.md has no example of the hub frame "{kind}"'
    section = text.split("### Commands and who may send them", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}
    assert COMMANDS - listed == set(), "missing from docs/protocol.md's table of commands"
    assert '"type": "hello"' in text


# --- the JSON Schema ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema() -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema", "--protocol"]) == 0
    return json.loads(out.getvalue())


def _union_types(schema: dict, name: str) -> set[str]:
    defs = schema["$defs"]
    return {defs[r["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["const"] for r in defs[name]["oneOf"]}


def test_the_protocol_schema_lists_every_type(schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert _union_types(schema, "Event") == ev.EVENT_TYPES
    assert _union_types(schema, "ClientMessage") == p.CLIENT_TYPES
    assert _union_types(schema, "HubFrame") == p.HUB_TYPES


def test_the_hall_schema_is_unchanged_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Hall file (format 1)"


# --- a scripted day: every event type, each exactly its model -------------------------------------------

HALL = HALL_YAML.replace("{id: passport, prefix: B, group: household, minutes: 6, name: 护照}",
                         "{id: passport, prefix: B, group: household, minutes: 6, name: 护照, appointments: true}")


def _ok(d: Driver, kind: str, actor: str = "manager:boss", **fields: Any) -> dict:
    decision = d.send(kind, actor=actor, **fields)
    assert decision.ok, (kind, decision.refusal)
    return decision.result


def scripted_day() -> Driver:
    """Every command of the queue once at least, and a night in between; the Driver checks each
    event against its model as it comes (tests/engine_hall.py)."""
    d = Driver(HALL)
    _ok(d, "book", appointments=[{"code": "ab-1", "service": "passport", "slot": "09:30"},
                                 {"code": "cd-2", "service": "passport", "slot": "10:00", "day": "2026-11-24"}])
    a1 = _ok(d, "issue", "kiosk:lobby", service="id-card")["ticket"]["number"]
    a2 = _ok(d, "issue", "kiosk:lobby", service="id-card", priority="elderly")["ticket"]["number"]
    _ok(d, "check_in", "kiosk:lobby", code="AB-1")
    d.at(2)
    first = _ok(d, "call_next", "window:3", window=3)["ticket"]["number"]
    _ok(d, "recall", "window:3", window=3)
    _ok(d, "start", "window:3", window=3)
    d.at(6)
    _ok(d, "complete", "window:3", window=3)
    _ok(d, "rate", "window:3", window=3, score=4, attitude=4, comment="好")
    second = _ok(d, "call_next", "window:3", window=3)["ticket"]["number"]
    assert {first, second} == {a1, a2}
    _ok(d, "skip", "window:3", window=3)
    _ok(d, "requeue", "window:3", window=3, ticket=second)
    _ok(d, "call", "window:3", window=3, ticket=second)
    _ok(d, "transfer", "window:3", window=3, service="passport", to_window=4)
    _ok(d, "pause", "window:1", window=1, reason="午休", until="13:00")
    _ok(d, "resume", "window:1", window=1)
    _ok(d, "close", "window:1", window=1)
    _ok(d, "open", "window:1", window=1)
    _ok(d, "pause", "window:2", window=2)
    _ok(d, "set_messages", messages=[{"text": {"zh-Hans": "请保持安静", "en": "Quiet, please"}}])
    _ok(d, "set_notice", text={"zh-Hans": "系统维护", "en": "Maintenance"}, style="banner", screens=None)
    _ok(d, "clear_notice")
    for _ in range(3):
        _ok(d, "issue", "kiosk:lobby", service="id-card")
    _ok(d, "cancel_tickets", service="A", **{"from": 3, "to": 4}, reason="刷号")
    # The hall editor's publish is the hub's, not the queue's (server/hub/editor.py): its event as the hub writes it.
    published = {"type": "config_published", "at": d.now, "request": "pub-1", "actor": "manager:boss",
                 "command": "config_publish", "version": 2, "hash": "ab" * 32, "note": "窗口 3 改名", "size": 13510}
    ev.validate_event(published)
    d.engine.apply(published, d.engine.state.seq + 1)
    d.log.append(published)
    d.at(24 * 60)  # the next morning: the night cancels what was left
    _ok(d, "issue", "kiosk:lobby", service="passport")
    return d


def test_a_scripted_day_emits_every_registered_event_type_each_as_its_model(schema: dict) -> None:
    d = scripted_day()
    assert {e["type"] for e in d.log} == ev.EVENT_TYPES, "the scripted day should emit every event type"
    validator = jsonschema.Draft202012Validator(schema)
    for seq, e in enumerate(d.log, start=1):
        model = ev.validate_event(e)  # the log's form (the Driver did it too)
        wire = ev.on_the_wire(e)
        ev.validate_event(wire, wire=True)
        frame = json.loads(hub_hall.event_frame(seq, e))
        assert frame == {"type": "event", "seq": seq, "event": json.loads(json.dumps(wire))}
        p.validate_hub_frame(frame)
        errors = [f"{list(x.absolute_path)}: {x.message}" for x in validator.iter_errors(frame)]
        assert errors == [], (e["type"], errors)
        # the cause of each event: every one of these came from a command
        assert (model.request, model.actor, model.command) != (None, None, None)
    night = [e for e in d.log if e["type"] == "ticket_cancelled" and e["reason"] == "day_end"]
    assert night and all(e["command"] == "issue" for e in night)  # in the prelude of the morning's first command
    # the snapshot a welcome carries is its model as well
    welcome = p.Welcome.frame("test-hall", "screen", d.engine.state.seq, False,
                              snapshot=d.engine.public_view(), config={})
    welcome = json.loads(json.dumps(welcome))
    p.validate_hub_frame(welcome)
    assert [x.message for x in validator.iter_errors(welcome)] == []


def test_a_field_the_model_does_not_know_fails() -> None:
    """The check that catches a drift: an event with one field more, or one less, is refused."""
    d = scripted_day()
    called = next(e for e in d.log if e["type"] == "ticket_called")
    with pytest.raises(ValueError):
        ev.validate_event({**called, "windw": 3})
    with pytest.raises(ValueError):
        ev.validate_event({k: v for k, v in called.items() if k != "window"})
    issued = next(e for e in d.log if e["type"] == "ticket_issued" and e["ticket"]["appointment"])
    ev.validate_event(issued)
    with pytest.raises(ValueError):
        ev.validate_event(issued, wire=True)  # the code must never reach the screens


def test_the_events_of_time_alone_have_no_cause() -> None:
    d = scripted_day()
    for e in d.engine.tick(d.now + 86400):
        model = ev.validate_event(e)
        assert (model.request, model.actor, model.command) == (None, None, None)


# --- the frames ------------------------------------------------------------------------------------------

def test_every_hub_frame_has_its_builder_and_the_builders_make_valid_frames() -> None:
    for model in _members(p.HubMessage):
        assert callable(getattr(model, "frame", None)), f"{model.__name__} has no frame builder"
    built = [
        p.Welcome.frame("h", "screen", 3, True, "w1"),
        p.Welcome.frame("h", "ticket", 3, False),
        p.Ok.frame("r1", {"ticket": {"number": "A001"}}), p.Ok.frame(),
        p.Error.frame("nothing_waiting", "no ticket is waiting", "r2"),
        p.Error.frame("rate_limited", "slow down", None, 1.5),
        p.EventMessage.frame(7, {"type": "window_opened", "at": 1.0, "window": 3}),
        p.Estimates.frame(1.0, {"id-card": {"waiting": 0}}, 7, {}), p.Estimates.frame(1.0, {}),
        p.Messages.frame([{"text": {"en": "hi"}, "kind": "civility"}]),
        p.ConfigPush.frame({"format": 1}),
        p.Notice.frame(None), p.Notice.frame({"text": {"en": "x"}, "style": "banner", "screens": None}),
        p.Pong.frame(), p.Pong.frame("p1"),
        p.TicketView.frame({"state": "gone"}),
        p.ScreenshotRequest.frame("q"), p.ScreenshotReady.frame("q", "main", "/api/screenshot/q.png", 9),
        p.ScreenshotFailed.frame("q", "main", "not a PNG"),
    ]
    assert {f["type"] for f in built} == p.HUB_TYPES
    for frame in built:
        p.validate_hub_frame(frame)


def test_the_hubs_frames_are_byte_for_byte_what_clients_always_got() -> None:
    """The builders keep each frame's keys in the order the hub has always sent them."""
    assert hub_hall.error_frame("forbidden", "no", "r1") == b'{"type":"error","code":"forbidden","message":"no","id":"r1"}'
    assert hub_hall.error_frame("bad_json", "no") == b'{"type":"error","code":"bad_json","message":"no"}'
    assert rate_limited_frame("slow", 0.01, "k1") == \
        b'{"type":"error","code":"rate_limited","message":"slow","retry_after":0.1,"id":"k1"}'
    assert hub_hall.ok_frame("r1", None) == b'{"type":"ok","id":"r1"}'
    assert hub_hall.ok_frame(None, {"a": 1}) == b'{"type":"ok","result":{"a":1}}'
    assert hub_hall.event_frame(5, {"type": "window_opened", "window": 3, "at": 1.5}) == \
        b'{"type":"event","seq":5,"event":{"type":"window_opened","window":3,"at":1.5}}'
    assert hub_hall.spliced(p.Welcome.frame("h", "screen", 4, False, "x"), snapshot=b"{}", config=b'{"a":1}') == \
        b'{"type":"welcome","v":1,"hall":"h","role":"screen","seq":4,"replay":false,"id":"x","snapshot":{},"config":{"a":1}}'
    assert hub_hall.spliced(p.ConfigPush.frame(), config=b"{}") == b'{"type":"config","config":{}}'
    assert hub_hall.dumps(p.Estimates.frame(2.0, {}, 9, {})) == b'{"type":"estimates","at":2.0,"seq":9,"services":{},"tickets":{}}'
    assert hub_hall.dumps(p.Notice.frame(None)) == b'{"type":"notice","notice":null}'
    assert hub_hall.dumps(p.Pong.frame("p")) == b'{"type":"pong","id":"p"}'


# --- commands and roles ------------------------------------------------------------------------------------

def test_every_client_command_has_exactly_one_handler() -> None:
    engine, hub = set(queue_engine.DECIDERS), set(HUB_COMMANDS)
    assert engine & hub == set(), "answered both by the engine (DECIDERS) and the hub (HUB_COMMANDS)"
    assert COMMANDS - (engine | hub) == set(), "a client command nobody handles"
    assert (engine | hub) - COMMANDS == set(), "a handler for a command signage/protocol.py does not have"
    assert set(live.COMMANDS) <= hub and ANSWERED_WHILE_CLOSING <= hub
    for kind, decider in queue_engine.DECIDERS.items():
        assert decider.__name__ == f"_decide_{kind}"


def test_every_role_has_its_policy_row() -> None:
    roles = set(get_args(p.Role))
    assert set(p.ROLE_POLICY) == roles == set(p.ROLES) | {p.TICKET_ROLE}
    assert p.ROLE_COMMANDS == {r: policy.commands for r, policy in p.ROLE_POLICY.items()}
    for role, policy in p.ROLE_POLICY.items():
        assert policy.scope in get_args(p.Scope), role
        assert policy.commands <= COMMANDS, (role, policy.commands - COMMANDS)
        assert "ping" in policy.commands, role
        if policy.scope == "window":  # every command it may send names its window, but ping and issue
            assert policy.commands - {"ping", "issue"} <= set(p.WINDOW_COMMANDS), role
    assert [r for r, policy in p.ROLE_POLICY.items() if policy.scope == "ticket"] == [p.TICKET_ROLE]
    # every command is someone's
    assert set().union(*(policy.commands for policy in p.ROLE_POLICY.values())) == COMMANDS
    by_type = {get_args(m.model_fields["type"].annotation)[0]: m for m in _members(p.ClientMessage)}
    for kind in p.WINDOW_COMMANDS:  # the commands that name a window have one, always
        assert by_type[kind].model_fields["window"].is_required(), kind
