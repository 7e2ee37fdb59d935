"""A hall file that validates can no longer blank every screen.

Aliases (*name) that would expand far beyond the file, texts and lists longer
than a screen can use, a configuration too big to send, a hall "file" that is a
FIFO: each is refused by ``signage validate`` with a pointed message, and by a
running hub's reload, which keeps the last good hall and its clients.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
import yaml

from hub_harness import LAYOUTS, HubHarness, hub_test
from signage.cli import main
from signage.config import load_hall, load_hall_text
from signage.config.loader import MAX_CONFIG_BYTES, MAX_FILE_BYTES, config_json
from signage.config.model import MAX_MESSAGES, MAX_TEXT_CHARS

BASE = (LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8")
MESSAGES_LINE = BASE.splitlines().index("messages:") + 1  # 1-based


def with_messages(block: str, text: str = BASE) -> str:
    """The sample hall with its messages section replaced by ``block`` (YAML lines under messages:)."""
    out, n = re.subn(r"^messages:\n(?:  .*\n|\n)*", "messages:\n" + block + "\n", text, flags=re.M)
    assert n == 1
    return out


def alias_bomb(aliases: int, chars: int) -> str:
    """One long message, anchored, and ``aliases`` aliases to it (the hall file of the issue)."""
    return with_messages(f"  - &big {{kind: notice, text: {{zh-Hans: {'x' * chars}}}}}\n"
                         f"  - [{', '.join(['*big'] * aliases)}]\n")


def expanded_chars(text: str) -> int:
    """The characters of text (every scalar written, keys too) of ``text`` with each alias written out.

    Counted the naive way, visiting a value once per alias to it: the figure the
    loader's memoised count must give, whatever the sample hall holds today.
    """
    def chars(node: yaml.Node) -> int:
        if isinstance(node, yaml.ScalarNode):
            return len(node.value)
        if isinstance(node, yaml.MappingNode):
            return sum(chars(k) + chars(v) for k, v in node.value)
        return sum(chars(item) for item in node.value)
    return chars(yaml.compose(text, Loader=yaml.SafeLoader))


def validate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "zhongshan.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


# --- aliases ------------------------------------------------------------------------------

def test_the_issue_file_is_refused_by_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = alias_bomb(20_000, 850_000)  # 0.98 MB on disk, 17 GB of text once expanded
    assert len(text.encode()) < MAX_FILE_BYTES
    code, out = validate(tmp_path, text, capsys)  # (built, it would not fit in memory: pytest's timeout stops a hang)
    assert code == 1
    line = MESSAGES_LINE + 1  # where &big is written
    assert f"zhongshan.yaml:{line}: once its aliases (*name) are expanded, the file holds 17,001,2" in out
    assert "the value written here (850,021 characters) appears 20,001 times once expanded" in out
    assert "use fewer aliases to it, or shorten it" in out
    assert out.count("\n") == 2  # the problem and the verdict: nothing built, nothing repeated 20,000 times


def test_sixty_aliases_of_a_long_text_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = alias_bomb(60, 900_000)
    expected = expanded_chars(text)  # 61 x 900,021 and the rest of the sample hall (about 54.9 million)
    assert 61 * 900_021 < expected < 61 * 900_021 + len(text) - 900_000
    code, out = validate(tmp_path, text, capsys)
    assert code == 1 and f"{expected:,} characters of text" in out and "appears 61 times" in out


def test_nested_aliases_are_counted_as_values() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    result = load_hall_text(text, "x.yaml")
    assert result.config is None
    [problem] = result.problems
    assert "1,234,567,909 values (at most 200,000)" in str(problem) and problem.line > 1


def test_merge_keys_that_multiply_are_refused() -> None:
    # <<: merges copy the keys of the value they name: as good a bomb as a list of aliases.
    text = "a: &a {k0: 1, k1: 2, k2: 3, k3: 4, k4: 5, k5: 6, k6: 7, k7: 8, k8: 9, k9: 10}\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)) + \
        "z: {<<: *h}\n"
    result = load_hall_text(text, "x.yaml")
    assert result.config is None and "aliases (*name) are expanded" in str(result.problems[0])


def test_a_few_short_aliases_are_fine() -> None:
    text = with_messages("  - &civil {kind: civility, text: {zh-Hans: 讲文明 树新风, en: Be civil}}\n"
                         "  - *civil\n  - *civil\n")
    result = load_hall_text(text, "zhongshan.yaml")
    assert result.config is not None, [str(p) for p in result.errors]
    assert len(result.config.messages) == 3


# --- texts, messages, size ------------------------------------------------------------------

def test_an_over_long_message_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = validate(tmp_path, with_messages(f"  - {{kind: notice, text: {{en: {'y' * 900_000}}}}}\n"), capsys)
    assert code == 1
    assert (f"zhongshan.yaml:{MESSAGES_LINE + 1}: messages[0].text.en: this text is 900000 characters long "
            f"(expected at most {MAX_TEXT_CHARS}: shorten it, or split it into several messages)") in out
    assert len(out) < 1000  # the text is not quoted back


def test_text_length_bound_is_exact() -> None:
    ok = load_hall_text(with_messages(f"  - {{text: {'讲' * MAX_TEXT_CHARS}}}\n"), "zhongshan.yaml")
    assert ok.config is not None, [str(p) for p in ok.errors]
    bad = load_hall_text(with_messages(f"  - {{text: {'讲' * (MAX_TEXT_CHARS + 1)}}}\n"), "zhongshan.yaml")
    assert bad.config is None
    assert f"this text is {MAX_TEXT_CHARS + 1} characters long" in str(bad.errors[0])


def test_any_long_string_is_refused_not_only_texts() -> None:
    text = BASE.replace("  id: zhongshan\n", f"  id: zhongshan\n  phone: \"{'1' * 600}\"\n", 1)
    result = load_hall_text(text, "zhongshan.yaml")
    assert result.config is None
    assert any(p.path == "hall.phone" and "600 characters long" in p.message for p in result.errors)


def test_too_many_messages_are_refused() -> None:
    block = "".join(f"  - {{text: {{zh-Hans: 通知{i}, en: Notice {i}}}}}\n" for i in range(MAX_MESSAGES + 1))
    result = load_hall_text(with_messages(block), "zhongshan.yaml")
    assert result.config is None
    assert [str(p) for p in result.errors] == [
        f"zhongshan.yaml:{MESSAGES_LINE}: messages: has {MAX_MESSAGES + 1} items (expected at most {MAX_MESSAGES})"]
    block = "".join(f"  - {{text: {{zh-Hans: 通知{i}, en: Notice {i}}}}}\n" for i in range(MAX_MESSAGES))
    assert load_hall_text(with_messages(block), "zhongshan.yaml").config is not None


def test_a_configuration_too_big_to_send_is_refused() -> None:
    # Every text within bounds, no alias, the file under 1 MiB: but 600 KB to send to every screen.
    steps = "".join(f"        - {'办' * 499}{i % 10}\n" for i in range(400))
    text = BASE.replace("    guide:\n      steps:\n", "    guide:\n      steps:\n" + steps, 1)
    assert text != BASE
    result = load_hall_text(text, "zhongshan.yaml")
    assert len(text.encode()) < MAX_FILE_BYTES
    assert result.config is None
    [problem] = result.errors
    assert problem.path == "services" and problem.line == BASE.splitlines().index("services:") + 1
    assert f"bytes as the hub sends it to every screen, at most {MAX_CONFIG_BYTES:,}" in problem.message
    assert "services alone is" in problem.message


def test_the_sample_halls_are_far_below_the_bounds() -> None:
    for path in sorted(LAYOUTS.glob("*.yaml")):
        if path.name.endswith(".traffic.yaml") or "tokens" in path.name:
            continue
        result = load_hall(path)
        assert result.config is not None and not result.errors, path
        assert len(config_json(result.config)) * 10 < MAX_CONFIG_BYTES, path
        assert path.stat().st_size * 10 < MAX_FILE_BYTES, path


# --- the file itself ------------------------------------------------------------------------

def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "zhongshan.yaml"
    big.write_text(BASE + "#" * MAX_FILE_BYTES, encoding="utf-8")
    [problem] = load_hall(big).problems
    assert "a hall file is at most 1,048,576" in str(problem)
    [problem] = load_hall_text(BASE + "#" * MAX_FILE_BYTES, "zhongshan.yaml").problems
    assert "a hall file is at most 1,048,576" in str(problem)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_as_the_hall_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "zhongshan.yaml"
    os.mkfifo(fifo)
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", load_hall(fifo)), daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # let it go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load_hall waited on a FIFO")
    [problem] = box["result"].problems
    assert "it is a FIFO (named pipe), not a file" in str(problem)
    [problem] = load_hall(tmp_path).problems
    assert "it is a folder, not a file" in str(problem)


# --- a running hub --------------------------------------------------------------------------

def write(hub: HubHarness, text: str) -> None:
    tmp = hub.hall_path.with_suffix(".tmp")  # a new file renamed over the old one, as editors do
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, hub.hall_path)


async def still_served(hub: HubHarness, screen, kiosk) -> None:
    """The screen is still connected and follows the queue with the old configuration."""
    assert hub.hub.halls["zhongshan"].config.messages == load_hall(LAYOUTS / "zhongshan.yaml").config.messages
    assert screen.ws.close_code is None
    ticket = await hub.issue(kiosk)
    while (event := (await screen.expect("event", timeout=3))["event"])["type"] != "ticket_issued":
        pass
    assert event["ticket"]["number"] == ticket["number"]


@hub_test()
async def test_a_running_hub_refuses_the_alias_bomb_and_keeps_its_clients(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    kiosk = await hub.connect("kiosk")
    write(hub, alias_bomb(20_000, 850_000))  # the watcher sees it
    error = await manager.expect("error", timeout=5)
    assert error["code"] == "config_invalid" and "id" not in error
    assert f"zhongshan.yaml:{MESSAGES_LINE + 1}: once its aliases (*name) are expanded" in error["message"]
    # Asked for again, the manager gets its own answer.
    answer = await manager.request({"type": "reload"}, timeout=5)
    assert answer["type"] == "error" and answer["code"] == "config_invalid"
    assert "appears 20,001 times" in answer["message"]
    assert not [m for m in await screen.drain(0.3) if m["type"] in ("config", "error")]
    await still_served(hub, screen, kiosk)


@hub_test()
async def test_sixty_aliases_no_longer_drop_every_client(hub: HubHarness) -> None:
    # Before: the reload answered ok, pushed 55 MB to every client and dropped them all (1013).
    hub.hub.watcher.paths.clear()  # only the manager's command reloads in this test
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    kiosk = await hub.connect("kiosk")
    text = alias_bomb(60, 900_000)
    write(hub, text)
    answer = await manager.request({"type": "reload"}, timeout=5)
    assert answer["type"] == "error" and answer["code"] == "config_invalid"
    assert f"{expanded_chars(text):,} characters of text" in answer["message"]
    await still_served(hub, screen, kiosk)
    assert manager.ws.close_code is None
    # A newcomer is welcomed with the last good hall.
    late = await hub.connect("screen", screen="main")
    assert len(late.welcome["config"]["messages"]) == len(load_hall(LAYOUTS / "zhongshan.yaml").config.messages)


@hub_test()
async def test_a_running_hub_refuses_an_over_long_message(hub: HubHarness) -> None:
    hub.hub.watcher.paths.clear()
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    kiosk = await hub.connect("kiosk")
    write(hub, with_messages(f"  - {{kind: notice, text: {{en: {'y' * 900_000}}}}}\n"))
    answer = await manager.request({"type": "reload"}, timeout=5)
    assert answer["type"] == "error" and answer["code"] == "config_invalid"
    assert "messages[0].text.en: this text is 900000 characters long" in answer["message"]
    assert len(answer["message"]) < 1000
    await still_served(hub, screen, kiosk)


@hub_test()
async def test_a_reload_that_fails_inside_still_answers(hub: HubHarness) -> None:
    # Whatever goes wrong while checking (here: memory), the manager gets an answer and the hall runs on.
    import server.hub.hall as hub_hall

    hub.hub.watcher.paths.clear()
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    kiosk = await hub.connect("kiosk")
    real = hub_hall.load_hall

    def exhausted(path: Path):
        raise MemoryError()

    hub_hall.load_hall = exhausted
    try:
        answer = await manager.request({"type": "reload"}, timeout=5)
    finally:
        hub_hall.load_hall = real
    assert answer["type"] == "error" and answer["code"] == "config_invalid"
    assert "the hub could not check this file (MemoryError" in answer["message"]
    assert "the running configuration stays" in answer["message"]
    await still_served(hub, screen, kiosk)


@hub_test()
async def test_the_hub_measures_what_it_would_send(hub: HubHarness) -> None:
    # The loader's bound, checked again on the bytes the hub would push (here made small to trip it).
    import server.hub.hall as hub_hall

    hub.hub.watcher.paths.clear()
    manager = await hub.connect("manager")
    real = hub_hall.MAX_CONFIG_BYTES
    hub_hall.MAX_CONFIG_BYTES = 1000
    try:
        answer = await manager.request({"type": "reload"}, timeout=5)
    finally:
        hub_hall.MAX_CONFIG_BYTES = real
    assert answer["type"] == "error" and "bytes as sent to the screens, at most 1,000" in answer["message"]
    assert (await manager.request({"type": "reload"}))["type"] == "ok"


@hub_test()
async def test_a_refusal_with_many_problems_is_one_small_answer(hub: HubHarness) -> None:
    hub.hub.watcher.paths.clear()
    manager = await hub.connect("manager")
    block = "".join(f"  - {{kind: shout, text: 通知{i}}}\n" for i in range(MAX_MESSAGES))
    write(hub, with_messages(block))
    answer = await manager.request({"type": "reload"}, timeout=5)
    assert answer["type"] == "error"
    lines = answer["message"].split("\n")
    assert len(lines) == 51 and lines[-1].endswith(f"… and {MAX_MESSAGES - 50} more (signage validate lists them all)")
