"""The one text rule of the protocol: no surrogates, no control characters, no bidi controls, NFC.

Every string field of every client message (found from the models' schemas, so a field added
later cannot miss the rule) refuses each bad character class with ``bad_field`` naming the
field; normal Chinese, English and emoji text passes unchanged (NFC). What older logs hold is
escaped when ``signage stats`` or the hub's log prints it.
"""

from __future__ import annotations

import copy
import json
import logging
import unicodedata
from typing import Any, get_args

import pytest

from signage import protocol as p
from signage.cli import main
from server.hub.hub import PlainFormatter
from server.queue.store import EventStore
from engine_hall import Driver
from hub_harness import HubHarness, hub_test

# A valid message of every client type, with every string field filled in.
VALID: dict[str, dict[str, Any]] = {
    "hello": {"type": "hello", "v": 1, "role": "screen", "hall": "zhongshan", "token": "tok-0123456789abcdef",
              "screen": "main", "zone": "1F", "client": "signage-screen", "ticket": "QysiM77-xkN2SvapM7n_hf",
              "id": "h1"},
    "issue": {"type": "issue", "id": "r1", "service": "id-card", "priority": "elderly", "appointment": "AB12",
              "slot": "09:30", "reason": "出境航班 3 天后"},
    "book": {"type": "book", "id": "r1", "appointments": [
        {"code": "AB12", "service": "id-card", "slot": "09:30", "day": "2026-11-23"}]},
    "check_in": {"type": "check_in", "id": "r1", "code": "AB12"},
    "call_next": {"type": "call_next", "id": "r1", "window": 3},
    "call": {"type": "call", "id": "r1", "window": 3, "ticket": "A023"},
    "recall": {"type": "recall", "id": "r1", "window": 3},
    "start": {"type": "start", "id": "r1", "window": 3},
    "skip": {"type": "skip", "id": "r1", "window": 3},
    "requeue": {"type": "requeue", "id": "r1", "window": 3, "ticket": "A023"},
    "transfer": {"type": "transfer", "id": "r1", "window": 3, "service": "passport"},
    "complete": {"type": "complete", "id": "r1", "window": 3},
    "pause": {"type": "pause", "id": "r1", "window": 3, "reason": "午休", "until": "13:30"},
    "resume": {"type": "resume", "id": "r1", "window": 3},
    "open": {"type": "open", "id": "r1", "window": 3},
    "close": {"type": "close", "id": "r1", "window": 3},
    "rate": {"type": "rate", "id": "r1", "window": 3, "score": 4, "ticket": "A023", "comment": "很好"},
    "set_messages": {"type": "set_messages", "id": "r1", "messages": [
        {"text": {"zh-Hans": "请保管好随身物品", "en": "Mind your belongings"}, "kind": "civility"}]},
    "set_notice": {"type": "set_notice", "id": "r1", "text": {"zh-Hans": "系统维护", "zh-Hant": "系統維護", "en": "Maintenance"},
                   "screens": ["main"]},
    "clear_notice": {"type": "clear_notice", "id": "r1"},
    "reload": {"type": "reload", "id": "r1"},
    "ping": {"type": "ping", "id": "r1"},
    "who": {"type": "who", "id": "r1"},
    "screenshot": {"type": "screenshot", "id": "r1", "screen": "main"},
    "screenshot_part": {"type": "screenshot_part", "id": "r1", "request": "req1", "index": 0, "count": 1,
                        "data": "iVBORw0KGgo="},
    "cancel_tickets": {"type": "cancel_tickets", "id": "r1", "service": "A", "from": 1, "to": 9,
                       "reason": "刷号：同一令牌一分钟内取号上百张"},
    # The hall editor (docs/editor.md). A draft's text is a whole hall file (lines, perhaps tabs or
    # CRLF): it is taken as sent and judged by the hall file's own checks (FILE_TEXT below).
    "config_part": {"type": "config_part", "id": "r1", "draft": "d1", "index": 0, "count": 1, "data": "format: 1\n"},
    "config_get": {"type": "config_get", "id": "r1"},
    "config_check": {"type": "config_check", "id": "r1", "draft": "d1"},
    "config_publish": {"type": "config_publish", "id": "r1", "draft": "d1", "base_hash": "0" * 64,
                       "note": "窗口 3 改名"},
    "config_history": {"type": "config_history", "id": "r1"},
    "config_version": {"type": "config_version", "id": "r1", "version": 2},
    "config_rollback": {"type": "config_rollback", "id": "r1", "version": 2, "base_hash": "0" * 64,
                        "note": "回到昨天的版本"},
    "config_edit": {"type": "config_edit", "id": "r1", "draft": "d1",
                    "edits": [{"path": "services[2].name.en", "value": "Passports"}]},
    "config_preview": {"type": "config_preview", "id": "r1", "screen": "main", "draft": "d1"},
}
# Fields that carry a hall file's text as written: no text rule (the loader's checks judge it, with
# pointed problems: tests/test_config_versions.py sends NUL, binary and bombs through them).
FILE_TEXT = {("config_part", ("data",)), ("config_check", ("text",)), ("config_publish", ("text",)),
             ("config_edit", ("text",)), ("config_preview", ("text",))}

BAD = {
    "NUL": "\x00", "BEL": "\x07", "ESC": "\x1b", "TAB": "\t", "CR": "\r", "DEL": "\x7f", "C1 NEL": "\x85",
    "C1 CSI": "\x9b", "lone high surrogate": "\ud800", "lone low surrogate": "\udfff",
    "RLO override": "\u202e", "LRE embedding": "\u202a", "RLI isolate": "\u2067", "PDI": "\u2069",
    "line separator": "\u2028",
}
LINE_FEED = "\n"


def _models() -> dict[str, Any]:
    members = get_args(get_args(p.ClientMessage)[0])
    return {get_args(m.model_fields["type"].annotation)[0]: m for m in members}


def _string_paths(node: dict, defs: dict, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Paths of the string fields in a JSON schema (``*``: a dictionary's values, whatever its keys; ``0``: a list's items)."""
    if "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    found: set[tuple[str, ...]] = set()
    if node.get("type") == "string" and "const" not in node and "enum" not in node:
        found.add(path)
    for sub in node.get("anyOf", []) + node.get("allOf", []):
        found |= _string_paths(sub, defs, path)
    for name, sub in node.get("properties", {}).items():
        found |= _string_paths(sub, defs, path + (name,))
    if isinstance(node.get("items"), dict):
        found |= _string_paths(node["items"], defs, path + ("0",))
    if isinstance(node.get("additionalProperties"), dict):
        found |= _string_paths(node["additionalProperties"], defs, path + ("*",))
    for sub in node.get("patternProperties", {}).values():  # a dictionary keyed by a pattern (a language tag)
        found |= _string_paths(sub, defs, path + ("*",))
    return found


def _fields() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for kind, model in sorted(_models().items()):
        schema = model.model_json_schema()
        for path in sorted(_string_paths(schema, schema.get("$defs", {}))):
            out.append((kind, path))
    # set_messages: free-form messages (checked as messages by the engine); their strings, keys too.
    out += [("set_messages", ("messages", "0", "text", "en")), ("set_messages", ("messages", "0", "kind"))]
    return [f for f in out if f not in FILE_TEXT]


FIELDS = _fields()


def _with(kind: str, path: tuple[str, ...], value: str) -> tuple[str, str]:
    """A frame of ``kind`` whose field at ``path`` holds ``value``; and the field's name in errors."""
    msg = copy.deepcopy(VALID[kind])
    node: Any = msg
    concrete = [("en" if part == "*" else part) for part in path]
    for part in concrete[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = concrete[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return json.dumps(msg, ensure_ascii=True), ".".join(concrete)


def test_every_string_field_of_every_client_message_is_in_the_table() -> None:
    assert set(VALID) == p.CLIENT_TYPES
    kinds = {k for k, _ in FIELDS}
    # Every message has at least its id; the free texts the issue named are all there.
    assert kinds == p.CLIENT_TYPES
    named = {(k, ".".join(path)) for k, path in FIELDS}
    for must in [("pause", "reason"), ("rate", "comment"), ("set_notice", "text.*"), ("cancel_tickets", "reason"),
                 ("set_messages", "messages.0.text.en"), ("hello", "client"), ("issue", "appointment"), ("issue", "reason"),
                 ("book", "appointments.0.service"), ("call_next", "id")]:
        assert must in named, must
    for kind, path in FIELDS:  # and each valid message parses as it stands
        p.parse_client(_with(kind, path, _good_value(kind, path))[0])


def test_a_hall_files_text_is_taken_as_sent() -> None:
    raw = "format: 1\r\n\thall:\x00 \x1b\u202e caf\u0065\u0301\n"
    for kind, (field,) in sorted(FILE_TEXT):
        msg = {**{k: v for k, v in VALID[kind].items() if k not in ("text", "draft") or field == "data"}, field: raw}
        assert getattr(p.parse_client(json.dumps(msg)), field) == raw, kind
    with pytest.raises(p.ProtocolError) as err:  # a lone surrogate is no text at all (no UTF-8 form)
        p.parse_client(json.dumps({"type": "config_check", "id": "r", "text": "a\ud800"}))
    assert err.value.code == "bad_field"


def _good_value(kind: str, path: tuple[str, ...]) -> str:
    node: Any = VALID[kind]
    for part in path:
        part = "en" if part == "*" else part
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@pytest.mark.parametrize("what", sorted(BAD))
@pytest.mark.parametrize("kind, path", FIELDS, ids=[f"{k}.{'.'.join(pa)}" for k, pa in FIELDS])
def test_every_text_field_refuses_each_bad_character(kind: str, path: tuple[str, ...], what: str) -> None:
    good = _good_value(kind, path)
    cut = max(1, len(good) // 2)
    frame, field = _with(kind, path, good[:cut] + BAD[what] + good[cut:])
    with pytest.raises(p.ProtocolError) as err:
        p.parse_client(frame)
    assert err.value.code == "bad_field", err.value.message
    assert err.value.message.startswith(f"{kind}: {field}: "), err.value.message
    assert BAD[what] not in err.value.message  # named, never echoed raw
    # The answer carries the request id as sent (even a bad one: the client matches answers by it;
    # it goes back to that client only, JSON-escaped).
    assert err.value.request_id == json.loads(frame).get("id")


@pytest.mark.parametrize("kind, path", [f for f in FIELDS if f != ("set_notice", ("text", "*"))],
                         ids=[f"{k}.{'.'.join(pa)}" for k, pa in FIELDS if (k, pa) != ("set_notice", ("text", "*"))])
def test_a_line_break_only_in_a_notice(kind: str, path: tuple[str, ...]) -> None:
    good = _good_value(kind, path)
    frame, field = _with(kind, path, good[:1] + LINE_FEED + good[1:])
    with pytest.raises(p.ProtocolError) as err:
        p.parse_client(frame)
    assert err.value.code == "bad_field" and err.value.message.startswith(f"{kind}: {field}: ")


def test_a_notice_may_have_lines_but_not_carriage_returns() -> None:
    notice = p.parse_client(json.dumps({"type": "set_notice", "id": "n", "text": {"zh-Hans": "今日系统维护\n请到 3 号窗口"}}))
    assert notice.text["zh-Hans"] == "今日系统维护\n请到 3 号窗口"
    with pytest.raises(p.ProtocolError) as err:
        p.parse_client(json.dumps({"type": "set_notice", "id": "n", "text": {"en": "one\r\ntwo"}}))
    assert "text.en" in err.value.message and "U+000D" in err.value.message and "\\n" in err.value.message


@pytest.mark.parametrize("text", ["午休，13:30 回来", "Back at 13:30 — lunch", "办完了 👍🏽🎉", "繁體：護照加簽",
                                  "Ünïcödé «quotes» ‘single’", "عربى mixed with 中文", "A023 请到 3 号窗口"])
def test_normal_text_passes_unchanged(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
    pause = p.parse_client(json.dumps({"type": "pause", "id": "r", "window": 3, "reason": text}))
    rate = p.parse_client(json.dumps({"type": "rate", "id": "r", "window": 3, "score": 4, "comment": text}))
    notice = p.parse_client(json.dumps({"type": "set_notice", "id": "r", "text": {"en": text}}))
    messages = p.parse_client(json.dumps({"type": "set_messages", "id": "r", "messages": [{"text": {"en": text}}]}))
    cancel = p.parse_client(json.dumps({"type": "cancel_tickets", "id": "r", "service": "A", "from": 1, "to": 2,
                                        "reason": text}))
    assert pause.reason == rate.comment == notice.text["en"] == messages.messages[0]["text"]["en"] == cancel.reason == text


def test_text_is_nfc_normalised_but_keys_are_kept_as_sent() -> None:
    decomposed = "Cafe\u0301 e\u0301te\u0301"  # é as e + combining acute
    composed = unicodedata.normalize("NFC", decomposed)
    assert composed != decomposed
    pause = p.parse_client(json.dumps({"type": "pause", "id": "r", "window": 3, "reason": decomposed}))
    assert pause.reason == composed
    messages = p.parse_client(json.dumps({"type": "set_messages", "id": "r", "messages": [{"text": {"en": decomposed}}]}))
    assert messages.messages[0]["text"]["en"] == composed
    # A request id is the client's key for matching answers: checked, never rewritten.
    ping = p.parse_client(json.dumps({"type": "ping", "id": decomposed}))
    assert ping.id == decomposed


def test_the_refusal_says_what_where_and_how() -> None:
    with pytest.raises(p.ProtocolError) as err:
        p.parse_client(json.dumps({"type": "pause", "id": "r", "window": 3, "reason": "午休\x1b[2J"}))
    assert err.value.message == ("pause: reason: a control character (U+001B ESC) at character 3: "
                                 "send plain text without control characters or line breaks")
    with pytest.raises(p.ProtocolError) as err:
        p.parse_client('{"type": "rate", "id": "r", "window": 3, "score": 4, "comment": "a\\ud800b"}')
    assert "comment: a lone UTF-16 surrogate (U+D800) at character 2" in err.value.message
    with pytest.raises(p.ProtocolError) as err:
        p.parse_client(json.dumps({"type": "set_messages", "id": "r", "messages": [{"text": {"en": "ok"}},
                                                                                   {"text": {"zh-Hans": "\u202eA023"}}]}))
    assert err.value.message.startswith("set_messages: messages.1.text.zh-Hans: a bidirectional control "
                                        "(U+202E RIGHT-TO-LEFT OVERRIDE) at character 1")


@hub_test()
async def test_the_hub_refuses_and_nothing_changes(hub: HubHarness) -> None:
    window = await hub.connect("window", window=3)
    manager = await hub.connect("manager")
    await window.request({"type": "open", "window": 3})
    seq = hub.hub.halls["zhongshan"].durable.seq
    for i, bad in enumerate(("a\x1bb", "\u202e午休", "a\ud800b", "x\x00")):
        # ensure_ascii: a lone surrogate travels as the JSON escape \ud800 (it has no UTF-8 form)
        await window.send(json.dumps({"type": "pause", "id": f"bad{i}", "window": 3, "reason": bad}))
        answer = await window.answer(f"bad{i}")
        assert answer["code"] == "bad_field" and answer["message"].startswith("pause: reason: "), answer
    answer = await manager.request({"type": "set_notice", "text": {"en": "\x07bell"}})
    assert answer["code"] == "bad_field" and "text.en" in answer["message"]
    assert hub.hub.halls["zhongshan"].durable.seq == seq  # nothing happened
    ok = await window.request({"type": "pause", "window": 3, "reason": "午休 🍜"})
    assert ok["type"] == "ok"
    assert hub.hub.halls["zhongshan"].durable.engine.state.windows[3].reason == "午休 🍜"


def _old_log(tmp_path) -> EventStore:
    """A day logged before the text rule: a comment with ESC sequences, BEL and a lone surrogate."""
    d = Driver()
    d.at(0); d.issue("id-card")
    d.at(5); d.call_next(3)
    d.at(9); d.send("complete", window=3)
    d.send("rate", window=3, score=1, comment="ok")
    for e in d.log:
        if e["type"] == "rated":
            e["comment"] = "\x1b[2J\x1b]0;pwned\x07 态度差 \ud800 \u202eevil"
    store = EventStore(tmp_path / "hall.db")
    store.append("test-hall", 1, d.log)
    return store


def test_stats_never_prints_raw_control_characters(tmp_path, capsys) -> None:
    _old_log(tmp_path).close()
    assert main(["stats", "--db", str(tmp_path / "hall.db")]) == 0
    out = capsys.readouterr().out
    assert "态度差" in out and "\\x1b[2J" in out and "\\x07" in out and "\\ud800" in out and "\\u202e" in out
    assert not any(ch in out for ch in "\x1b\x07\ud800\u202e")
    assert main(["stats", "--db", str(tmp_path / "hall.db"), "--csv"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_log_lines_escape_control_characters_and_keep_line_breaks() -> None:
    formatter = PlainFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("server.hub.hub", logging.WARNING, __file__, 1, "hall %s: reason %s\nsecond line",
                               ("zhongshan", "\x1b[31mred\x1b[0m \ud800 \u2066x\u2069 \x85"), None)
    line = formatter.format(record)
    assert line == ("WARNING hall zhongshan: reason \\x1b[31mred\\x1b[0m \\ud800 \\u2066x\\u2069 \\x85\n"
                    "second line")
    line.encode("utf-8")  # printable: no lone surrogate left to fail the handler
    assert p.escape_text("a\nb\tc") == "a\\nb\\tc"
