"""The hall editor's hub side (docs/editor.md): versions, check, publish, conflicts, rollback, bounds.

Against a real hub (tests/hub_harness.py) with a copy of the Zhongshan hall file.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time

from hub_harness import TOKENS, HubHarness, hub_test

from server.queue.store import EventStore
from signage import protocol as p
from signage.config.edit import edit

OTHER_HALL_TOKENS = """
tokens:
  - {name: boss, role: manager, hall: "*", token: test-manager-0123456789}
  - {name: screens, role: screen, hall: zhongshan, token: test-screens-0123456789}
  - {name: w3, role: window, hall: zhongshan, windows: [3], token: test-window-3-0123456789}
  - {name: nanming-boss, role: manager, hall: nanming, token: test-nanming-manager-0123456789}
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def current(manager) -> dict:
    answer = await manager.request({"type": "config_get"})
    assert answer["type"] == "ok", answer
    return answer["result"]


async def publish(manager, text: str, base: str, note: str = "", timeout: float = 30, **more) -> dict:
    return await manager.request({"type": "config_publish", "text": text, "base_hash": base, "note": note, **more},
                                 timeout=timeout)


def with_duplicate_service(text: str) -> str:
    """A warning (a window listing a service twice) and nothing else."""
    from signage.config import load_hall_text

    config = load_hall_text(text).config
    i = next(i for i, w in enumerate(config.windows) if isinstance(w.services, list) and w.services)
    return edit(text, f"windows[{i}].services[{len(config.windows[i].services)}]", config.windows[i].services[0])


@hub_test(timeout=60)
async def test_the_first_version_is_the_file_as_loaded_and_a_publish_reaches_the_screens(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    original = hub.hall_path.read_bytes()
    now = await current(manager)
    assert now["text"].encode() == original and now["hash"] == sha(original) and now["version"] == 1
    history = (await manager.request({"type": "config_history"}))["result"]["versions"]
    assert [(v["version"], v["actor"], v["source"], v["hash"], v["size"]) for v in history] == \
        [(1, "file", "file", sha(original), len(original))]

    new = now["text"].replace("minutes: 4\n", "minutes: 9\n", 1)
    # The page checks as the manager types: by the time of the publish the draft's measure is done.
    assert (await manager.request({"type": "config_check", "text": new}, timeout=30))["result"]["ok"]
    started = time.monotonic()
    await manager.send({"type": "config_publish", "id": "pub", "text": new, "base_hash": now["hash"],
                        "note": "身份证 9 分钟"})
    pushed = await screen.expect("config", timeout=2)
    assert time.monotonic() - started < 2  # publish -> every screen has the new hall file
    answer = await manager.answer("pub")
    assert answer["type"] == "ok", answer
    assert answer["result"]["version"] == 2 and answer["result"]["hash"] == sha(new.encode())
    assert next(s for s in pushed["config"]["services"] if s["id"] == "id-card")["minutes"] == 9
    assert hub.hall_path.read_bytes() == new.encode()  # byte for byte
    assert hub.hub.halls["zhongshan"].config.service("id-card").minutes == 9
    event = await manager.expect("event")
    assert event["event"]["type"] == "config_published"
    assert {k: event["event"][k] for k in ("version", "hash", "note", "actor", "command")} == {
        "version": 2, "hash": sha(new.encode()), "note": "身份证 9 分钟", "actor": "manager:boss",
        "command": "config_publish"}
    history = (await manager.request({"type": "config_history"}))["result"]["versions"]
    assert [(v["version"], v["actor"], v["note"], v["source"]) for v in history] == [
        (2, "manager:boss", "身份证 9 分钟", "publish"), (1, "file", "the file as the hub first loaded it", "file")]
    # The watcher does not take the hub's own write for an edit on disk.
    await asyncio.sleep(0.5)
    assert len((await manager.request({"type": "config_history"}))["result"]["versions"]) == 2
    one = (await manager.request({"type": "config_version", "version": 2}))["result"]
    assert one["text"] == new and "-    minutes: 4\n+    minutes: 9\n" in one["diff"]
    assert (await manager.request({"type": "config_version", "version": 9}))["code"] == "unknown_version"


@hub_test(timeout=60)
async def test_a_draft_with_errors_is_refused_with_its_problems_and_nothing_is_written(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    original = hub.hall_path.read_bytes()
    now = await current(manager)
    broken = now["text"].replace("minutes: 4\n", "minutes: four\n", 1)
    check = (await manager.request({"type": "config_check", "text": broken}, timeout=30))["result"]
    assert check["ok"] is False and check["errors"] >= 1
    problem = next(x for x in check["problems"] if x["severity"] == "error")
    assert set(problem) == {"line", "path", "message", "severity"}
    assert problem["line"] == broken.splitlines().index("    minutes: four") + 1 and "minutes" in problem["path"]
    answer = await publish(manager, broken, now["hash"], "oops")
    assert answer["code"] == "config_invalid" and "nothing was written" in answer["message"]
    assert answer["problems"] == check["problems"]
    assert hub.hall_path.read_bytes() == original
    assert len((await manager.request({"type": "config_history"}))["result"]["versions"]) == 1
    # another hall's id would be another hall
    other = now["text"].replace("id: zhongshan", "id: elsewhere", 1)
    answer = await publish(manager, other, now["hash"])
    assert answer["code"] == "config_invalid" and any(x["path"] == "hall.id" for x in answer["problems"])
    assert hub.hall_path.read_bytes() == original


@hub_test(timeout=60)
async def test_a_draft_with_warnings_needs_them_accepted(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    now = await current(manager)
    warned = with_duplicate_service(now["text"])
    answer = await publish(manager, warned, now["hash"], "dup")
    assert answer["code"] == "config_warnings" and "accept_warnings" in answer["message"]
    assert "listed twice" in answer["message"]  # the refusal names them
    assert [x for x in answer["problems"] if x["severity"] == "warning"]
    assert hub.hall_path.read_bytes() == now["text"].encode()
    answer = await publish(manager, warned, now["hash"], "dup", accept_warnings=True)
    assert answer["type"] == "ok" and answer["result"]["warnings"] >= 1
    assert hub.hall_path.read_bytes() == warned.encode()


@hub_test(timeout=60)
async def test_a_stale_draft_conflicts_after_another_publish_or_an_edit_on_disk(hub: HubHarness) -> None:
    first = await hub.connect("manager")
    second = await hub.connect("manager")
    base = await current(first)
    mine = base["text"].replace("minutes: 4\n", "minutes: 6\n", 1)
    theirs = base["text"].replace("minutes: 4\n", "minutes: 7\n", 1)
    assert (await publish(first, theirs, base["hash"], "theirs"))["type"] == "ok"
    answer = await publish(second, mine, base["hash"], "mine")
    assert answer["code"] == "config_conflict" and "nothing was written" in answer["message"]
    assert answer["hash"] == sha(theirs.encode())
    assert "-    minutes: 7\n+    minutes: 6\n" in answer["diff"] and "version 2" in answer["diff"]
    assert hub.hall_path.read_bytes() == theirs.encode()

    # Edited on disk (an editor's save: a new file renamed over the old one): the watcher's version counts.
    now = await current(second)
    on_disk = theirs.replace("minutes: 7\n", "minutes: 8\n", 1)
    tmp = hub.hall_path.with_suffix(".tmp")
    tmp.write_text(on_disk, encoding="utf-8")
    os.replace(tmp, hub.hall_path)
    for _ in range(50):
        versions = (await second.request({"type": "config_history"}))["result"]["versions"]
        if len(versions) == 3:
            break
        await asyncio.sleep(0.1)
    assert (versions[0]["version"], versions[0]["actor"], versions[0]["note"]) == (3, "file", "edited on disk")
    answer = await publish(second, mine, now["hash"], "mine again")
    assert answer["code"] == "config_conflict" and answer["hash"] == sha(on_disk.encode())
    assert hub.hall_path.read_bytes() == on_disk.encode()
    # Taken again, the change goes in.
    again = await current(second)
    assert again["version"] == 3
    assert (await publish(second, again["text"].replace("minutes: 8\n", "minutes: 6\n", 1), again["hash"]))["type"] == "ok"


@hub_test(timeout=60)
async def test_a_rollback_restores_the_old_file_byte_for_byte_as_a_new_version(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    screen = await hub.connect("screen", screen="main")
    original = hub.hall_path.read_bytes()
    now = await current(manager)
    new = now["text"].replace("minutes: 4\n", "minutes: 9\n", 1).replace("\n", "\r\n", 3)  # CRLF kept too
    assert (await publish(manager, new, now["hash"], "nine"))["type"] == "ok"
    await screen.expect("config", timeout=2)
    answer = await manager.request({"type": "config_rollback", "version": 1, "base_hash": "0" * 64, "note": "back"},
                                   timeout=30)
    assert answer["code"] == "config_conflict"  # the same rule
    answer = await manager.request({"type": "config_rollback", "version": 1, "base_hash": sha(new.encode()),
                                    "note": "back to the first"}, timeout=30)
    assert answer["type"] == "ok" and answer["result"]["version"] == 3 and answer["result"]["rollback_of"] == 1
    assert hub.hall_path.read_bytes() == original
    pushed = await screen.expect("config", timeout=2)
    assert next(s for s in pushed["config"]["services"] if s["id"] == "id-card")["minutes"] == 4
    versions = (await manager.request({"type": "config_history"}))["result"]["versions"]
    assert [(v["version"], v["source"], v["hash"]) for v in versions] == [
        (3, "rollback", sha(original)), (2, "publish", sha(new.encode())), (1, "file", sha(original))]
    assert (await manager.request({"type": "config_rollback", "version": 7, "base_hash": sha(original)}))["code"] == \
        "unknown_version"


@hub_test(timeout=60)
async def test_big_drafts_bombs_and_binary_are_refused_with_a_sentence_and_the_file_is_untouched(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    original = hub.hall_path.read_bytes()
    now = await current(manager)
    # 5 MB in parts: refused once past 1 MiB, the draft dropped.
    big = "# " + "x" * (5 * 1000 * 1000)
    count = -(-len(big) // p.MAX_DRAFT_PART)
    refused = None
    for i in range(min(count, p.MAX_DRAFT_PARTS)):
        answer = await manager.request({"type": "config_part", "draft": "big", "index": i, "count": min(count, 64),
                                        "data": big[i * p.MAX_DRAFT_PART:(i + 1) * p.MAX_DRAFT_PART]})
        if answer["type"] == "error":
            refused = answer
            break
    assert refused is not None and refused["code"] == "too_large" and "at most 1,048,576" in refused["message"]
    answer = await manager.request({"type": "config_publish", "draft": "big", "base_hash": now["hash"]})
    assert answer["code"] == "unknown_draft"
    # A frame above the frame limit is refused by the protocol, with a sentence.
    await manager.send({"type": "config_check", "id": "huge", "text": "x" * 100_000})
    answer = await manager.expect("error")  # too large to be read: no id to echo
    assert answer["code"] == "too_large" and "at most 65536" in answer["message"]
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + prev] * 10)}]\n" for prev, n in zip("abcdefgh", "bcdefghi"))
    binary = "format: 1\n\x00\x01\x02\xff\ufffe" + "".join(chr(c) for c in range(1, 32))
    for text in (bomb, binary):
        answer = await publish(manager, text, now["hash"], "bad")
        assert answer["code"] == "config_invalid", answer
        message = answer["problems"][0]["message"]
        assert message[0].isalpha() and len(message) > 20, message  # a sentence
    assert "aliases" in (await publish(manager, bomb, now["hash"]))["problems"][0]["message"]
    # a draft in parts that fits is taken
    text = now["text"]
    half = len(text) // 2
    for i, part in enumerate((text[:half], text[half:])):
        assert (await manager.request({"type": "config_part", "draft": "d", "index": i,
                                       "count": 2, "data": part}))["type"] == "ok"
    check = await manager.request({"type": "config_check", "draft": "d"}, timeout=30)
    assert check["type"] == "ok" and check["result"]["ok"]
    assert hub.hall_path.read_bytes() == original
    assert len((await manager.request({"type": "config_history"}))["result"]["versions"]) == 1


@hub_test(timeout=30)
async def test_config_check_answers_any_input_with_problems(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    for text in ("", "[", "- a\n- b\n", "hall: {id: ", "\x00", "\t\tformat: 1", "a: *nope\n", "{" * 500,
                 "format: 1\nhall: 7\n", "\ufeffformat: 1\n", "é" * 1000):
        answer = await manager.request({"type": "config_check", "text": text}, timeout=30)
        assert answer["type"] == "ok", (text[:20], answer)
        assert answer["result"]["ok"] is False and answer["result"]["problems"], text[:20]
        for problem in answer["result"]["problems"]:
            assert isinstance(problem["line"], int) and problem["severity"] in ("error", "warning", "info")


@hub_test(timeout=30)
async def test_only_a_manager_of_this_hall_may_edit_it(hub: HubHarness) -> None:
    window = await hub.connect("window", window=3)
    screen = await hub.connect("screen", screen="main")
    original = hub.hall_path.read_bytes()
    for peer in (window, screen):
        for kind, fields in (("config_get", {}), ("config_publish", {"text": "x", "base_hash": sha(original)}),
                             ("config_history", {}), ("config_rollback", {"version": 1, "base_hash": sha(original)})):
            answer = await peer.request({"type": kind, **fields})
            assert answer["code"] == "forbidden" and f"may not send {kind}" in answer["message"]
    assert hub.hall_path.read_bytes() == original


def test_a_token_of_another_hall_is_refused(tmp_path) -> None:
    (tmp_path / "tokens.yaml").write_text(OTHER_HALL_TOKENS, encoding="utf-8")

    async def main() -> None:
        hub = await HubHarness(tmp_path).start()
        try:
            error, code = await hub.refused({"type": "hello", "v": 1, "role": "manager", "hall": "zhongshan",
                                             "token": "test-nanming-manager-0123456789"})
            assert error["code"] == "unauthorized" and code == 1008
        finally:
            await hub.stop()

    asyncio.run(main())
    assert (tmp_path / "zhongshan.yaml").read_bytes() == (HubHarness.__init__.__globals__["LAYOUTS"] / "zhongshan.yaml").read_bytes()


def test_versions_are_kept_across_restarts_and_an_edit_while_stopped_is_one(tmp_path) -> None:
    async def run(step) -> None:
        hub = await HubHarness(tmp_path).start()
        try:
            await step(hub)
        finally:
            await hub.stop()

    async def first(hub: HubHarness) -> None:
        manager = await hub.connect("manager")
        now = await current(manager)
        answer = await publish(manager, now["text"].replace("minutes: 4\n", "minutes: 5\n", 1), now["hash"], "five")
        assert answer["type"] == "ok"

    asyncio.run(run(first))
    path = tmp_path / "zhongshan.yaml"
    path.write_text(path.read_text("utf-8").replace("minutes: 5\n", "minutes: 6\n", 1), encoding="utf-8")

    async def second(hub: HubHarness) -> None:
        manager = await hub.connect("manager")
        versions = (await manager.request({"type": "config_history"}))["result"]["versions"]
        assert [(v["version"], v["note"]) for v in versions] == [
            (3, "changed on disk while the hub was stopped"), (2, "five"), (1, "the file as the hub first loaded it")]
        assert (await current(manager))["version"] == 3

    asyncio.run(run(second))
    store = EventStore(tmp_path / "hub.db")
    try:
        row, data = store.version("zhongshan", 2)
        assert row["note"] == "five" and b"minutes: 5\n" in data
        published = [e for _, e in store.events("zhongshan") if e["type"] == "config_published"]
        assert [(e["version"], e["note"]) for e in published] == [(2, "five")]
    finally:
        store.close()


@hub_test(timeout=30)
async def test_config_edit_changes_one_value_and_keeps_the_comments(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    text = (await current(manager))["text"]
    assert "#" in text
    answer = await manager.request({"type": "config_edit", "text": text, "edits": [
        {"path": "services[0].minutes", "value": 11}, {"path": "services[2].name.en", "value": "Newborns"}]})
    assert answer["type"] == "ok", answer
    new = answer["result"]["text"]
    changed = [(a, b) for a, b in zip(text.splitlines(), new.splitlines()) if a != b]
    assert len(changed) == 2 and len(text.splitlines()) == len(new.splitlines())
    assert [line for line in text.splitlines() if line.lstrip().startswith("#")] == \
        [line for line in new.splitlines() if line.lstrip().startswith("#")]
    assert hub.hall_path.read_text("utf-8") == text  # nothing written
    answer = await manager.request({"type": "config_edit", "text": text, "edits": [{"path": "services[x", "value": 1}]})
    assert answer["code"] == "bad_edit"


@hub_test(timeout=60)
async def test_a_preview_of_a_draft_is_a_png_with_the_small_texts(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    text = (await current(manager))["text"]
    answer = await manager.request({"type": "config_preview", "screen": "main", "text": text, "state": "sample"},
                                   timeout=30)
    assert answer["type"] == "ok", answer
    result = answer["result"]
    png = base64.b64decode(result["png"])
    assert png.startswith(b"\x89PNG") and len(png) == result["bytes"]
    assert (result["width"], result["height"]) == (1920, 1080) and isinstance(result["small"], list)
    live = await manager.request({"type": "config_preview", "screen": "main"}, timeout=30)  # the file now, live
    assert live["type"] == "ok"
    # meanwhile the hub serves: a ping while a preview draws
    await manager.send({"type": "config_preview", "id": "slow", "screen": "main", "text": text})
    await manager.send({"type": "ping", "id": "quick"})
    while (first := await manager.recv(timeout=30))["type"] not in ("pong", "ok"):
        pass
    assert first["type"] == "pong"  # answered before the picture
    assert (await manager.answer("slow", timeout=30))["type"] == "ok"
    missing = await manager.request({"type": "config_preview", "screen": "nowhere", "text": text}, timeout=30)
    assert missing["code"] == "preview_failed" and "no screen" in missing["message"]


@hub_test(timeout=60)
async def test_two_publishes_on_one_base_at_once_give_one_version_and_one_conflict(hub: HubHarness) -> None:
    first = await hub.connect("manager")
    second = await hub.connect("manager")
    base = await current(first)
    a = base["text"].replace("minutes: 4\n", "minutes: 6\n", 1)
    b = base["text"].replace("minutes: 4\n", "minutes: 7\n", 1)
    await first.send({"type": "config_publish", "id": "a", "text": a, "base_hash": base["hash"], "note": "a"})
    await second.send({"type": "config_publish", "id": "b", "text": b, "base_hash": base["hash"], "note": "b"})
    answers = [await first.answer("a", timeout=30), await second.answer("b", timeout=30)]
    assert sorted(x["type"] for x in answers) == ["error", "ok"]
    won = a if answers[0]["type"] == "ok" else b
    assert next(x for x in answers if x["type"] == "error")["code"] == "config_conflict"
    assert hub.hall_path.read_bytes() == won.encode()
    assert len((await first.request({"type": "config_history"}))["result"]["versions"]) == 2
