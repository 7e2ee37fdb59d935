"""A hall manager's bad edits: hundreds of mutated copies of every sample hall, and a hub that keeps going.

tests/test_config.py already fuzzes edits with Hypothesis (lines deleted,
duplicated, swapped, indented, characters changed, truncation). This file adds
the edits people really make, on every sample hall file, as files on disk:
keys misspelt, values of the wrong type, indentation with tabs or off by one,
a key written twice, random bytes (invalid UTF-8, NUL, control characters),
truncation, and several of them at once. For each:

* validation (``signage.config.load_hall``) never raises;
* a rejected file has errors, and every one points to a line: ``file:line: ...``;
* a running hub watching the file keeps its last good configuration through a
  series of bad saves, says so to managers, goes on serving, and takes the next
  good save.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from hub_harness import HubHarness, hub_test

from signage.config import load_hall

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
HALLS = sorted(p for p in LAYOUTS.glob("*.yaml") if not p.name.endswith((".traffic.yaml", "-tokens.yaml")))
PER_HALL = 150
KEY = re.compile(r"^(\s*-?\s*)([A-Za-z_][\w-]*)(\s*:)", re.M)
WRONG = ["[1, 2]", "{a: 1}", "yes", "null", "~", "3.5", '"text"', "-1", "99999999999999999999999", "[]", "{}",
         "'08:30'", "2026-11-23", "&anchor x", "*nothing", "!!binary aGVsbG8=", "|\n  block", ">-", "@", "`"]


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    op = rng.randrange(4)
    if op == 0:
        return word[:i] + word[i + 1:] or word + "x"
    if op == 1:
        return word[:i] + word[i] + word[i:]
    if op == 2 and len(word) > 1:
        j = min(i + 1, len(word) - 1)
        return word[:i] + word[j] + word[i] + word[j + 1:] if i != j else word + "s"
    return word[:i] + rng.choice("aeiostz") + word[i + 1:]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three edits of the kinds people make."""
    for _ in range(rng.randint(1, 3)):
        text = data.decode("utf-8", errors="surrogateescape")
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        op = rng.choice(["delete", "indent", "tab", "typo", "type", "duplicate", "swap", "truncate", "bytes"])
        if op == "delete":
            del lines[i]
        elif op == "indent":
            if rng.random() < 0.6:
                lines[i] = " " * rng.choice([1, 2, 3, 4]) + lines[i]
            else:
                lines[i] = lines[i][rng.choice([1, 2]):]
        elif op == "tab":
            lines[i] = re.sub(r"^ +", "\t", lines[i])
        elif op == "typo":
            keyed = [k for k, line in enumerate(lines) if KEY.match(line)]
            if keyed:
                k = rng.choice(keyed)
                m = KEY.match(lines[k])
                assert m is not None
                lines[k] = m.group(1) + _typo(m.group(2), rng) + lines[k][m.end(2):]
        elif op == "type":
            valued = [k for k, line in enumerate(lines) if re.match(r"^\s*-?\s*[\w-]+:\s+\S", line)]
            if valued:
                k = rng.choice(valued)
                lines[k] = re.sub(r"(:\s+).*$", lambda m: m.group(1) + rng.choice(WRONG), lines[k], count=1)
        elif op == "duplicate":
            keyed = [k for k, line in enumerate(lines) if re.match(r"^\s*[\w-]+:\s+\S", line)]
            if keyed:
                k = rng.choice(keyed)
                lines.insert(k + 1, lines[k])
        elif op == "swap":
            j = min(len(lines) - 1, i + 1)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            data = data[:rng.randrange(len(data) + 1)]
            continue
        else:  # random bytes: invalid UTF-8, NUL, control characters, a stray BOM
            k = rng.randrange(len(data) + 1)
            junk = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))), b"\x00", b"\xff\xfe",
                               b"\xef\xbb\xbf", b"\x1b[2J", b"\r", b"\xc3", b"\xe4\xb8"])
            data = data[:k] + junk + data[k:]
            continue
        data = "\n".join(lines).encode("utf-8", errors="surrogateescape")
    return data


@pytest.mark.slow
@pytest.mark.parametrize("hall", HALLS, ids=lambda p: p.stem)
def test_mutated_hall_files_are_reported_with_a_line_never_raised(hall: Path, tmp_path: Path) -> None:
    rng = random.Random(hall.stem)
    original = hall.read_bytes()
    path = tmp_path / hall.name
    rejected = 0
    for n in range(PER_HALL):
        data = mutate(original, rng)
        path.write_bytes(data)
        result = load_hall(path)  # never raises: an exception fails the test here
        if result.config is not None:
            continue  # a harmless edit (a comment, a value still valid)
        rejected += 1
        assert result.errors, (n, data[:80])
        for problem in result.errors:
            text = str(problem)
            assert problem.line >= 1 and text.startswith(f"{path}:{problem.line}: "), (n, text)
            assert "internal error" not in text and "Traceback" not in text, text
    assert rejected > PER_HALL // 2  # most of these edits break the file, as they should


@pytest.mark.slow
@hub_test(timeout=60)
async def test_a_running_hub_keeps_its_last_good_configuration_through_bad_saves(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    screen = await hub.connect("screen", screen="main")
    kiosk = await hub.connect("kiosk")
    hall = hub.hub.halls["zhongshan"]
    good = hub.hall_path.read_bytes()
    good_config = hall.config
    rng = random.Random(11)
    saves = 0
    while saves < 25:
        data = mutate(good, rng)
        scratch = hub.tmp / "scratch.yaml"
        scratch.write_bytes(data)
        if load_hall(scratch).config is not None:
            continue  # only edits that break the file here
        tmp = hub.hall_path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, hub.hall_path)  # as editors save
        saves += 1
        error = await manager.expect("error", timeout=3)
        assert error["code"] == "config_invalid" and re.match(rf"^{re.escape(str(hub.hall_path))}:\d+: ",
                                                               error["message"]), error
        assert hall.config is good_config  # the running configuration stays
        ticket = await hub.issue(kiosk)       # and the hall goes on
        assert ticket["number"].startswith("A")
    assert not [m for m in await screen.drain(0.3) if m["type"] in ("config", "error")]
    # The next good save is taken at once.
    tmp = hub.hall_path.with_suffix(".tmp")
    tmp.write_bytes(good.replace(b"minutes: 4\n", b"minutes: 5\n", 1))
    os.replace(tmp, hub.hall_path)
    pushed = await screen.expect("config", timeout=3)
    assert next(s for s in pushed["config"]["services"] if s["id"] == "id-card")["minutes"] == 5
