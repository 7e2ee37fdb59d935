"""``signage config pull | publish | history | rollback`` against a real hub (in a thread of its own)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hub_harness import TOKENS, hub_in_thread
from signage.cli import main
from signage.config.edit import edit

MANAGER = TOKENS["manager"]


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str, token: str = MANAGER) -> tuple[int, str, str]:
    code = main(["config", *args[:1], "--hub", url, "--token", token, "--hall", "zhongshan", *args[1:]])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_pull_publish_history_rollback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with hub_in_thread(tmp_path) as hub:
        original = hub.hall_path.read_bytes()
        code, out, err = run(capsys, hub.url, "pull")
        assert code == 0 and out.encode() == original
        assert "version 1" in err and hashlib.sha256(original).hexdigest() in err

        draft = tmp_path / "draft.yaml"
        draft.write_text(edit(out, "services[0].minutes", 9), encoding="utf-8")
        code, out, err = run(capsys, hub.url, "publish", str(draft), "--note", "nine minutes")
        assert code == 0 and out.startswith("published version 2"), err
        assert hub.hall_path.read_bytes() == draft.read_bytes()

        # errors: exit 1 with the pointed problems against the local file's name; nothing written
        bad = tmp_path / "bad.yaml"
        bad.write_text(draft.read_text("utf-8").replace("minutes: 9\n", "minutes: nine\n", 1), encoding="utf-8")
        line = bad.read_text("utf-8").splitlines().index("    minutes: nine") + 1
        code, out, err = run(capsys, hub.url, "publish", str(bad))
        assert code == 1 and "config_invalid" in err and f"{bad}:{line}: services[0].minutes" in err
        assert hub.hall_path.read_bytes() == draft.read_bytes()

        # warnings: exit 1 without --yes, published with it
        text = draft.read_text("utf-8")
        from signage.config import load_hall_text

        config = load_hall_text(text).config
        i = next(i for i, w in enumerate(config.windows) if isinstance(w.services, list) and w.services)
        warned = tmp_path / "warned.yaml"
        warned.write_text(edit(text, f"windows[{i}].services[{len(config.windows[i].services)}]",
                               config.windows[i].services[0]), encoding="utf-8")
        code, out, err = run(capsys, hub.url, "publish", str(warned))
        assert code == 1 and "warning: " in err and "--yes" in err
        assert hub.hall_path.read_bytes() == draft.read_bytes()
        code, out, err = run(capsys, hub.url, "publish", str(warned), "--yes", "--note", "dup ok")
        assert code == 0 and "published version 3" in out and "warnings accepted" in out

        # a stale base: exit 1 with the diff
        code, out, err = run(capsys, hub.url, "publish", str(draft), "--base", hashlib.sha256(original).hexdigest())
        assert code == 1 and "config_conflict" in err and "\n+++ " in err
        assert hub.hall_path.read_bytes() == warned.read_bytes()

        code, out, err = run(capsys, hub.url, "history")
        lines = out.splitlines()
        assert code == 0 and [line.split("\t")[0] for line in lines] == ["3", "2", "1"]
        assert lines[1].split("\t")[2] == "manager:boss" and lines[1].endswith("nine minutes")

        code, out, err = run(capsys, hub.url, "rollback", "1", "--note", "back")
        assert code == 0 and "version 4 is version 1 again" in out
        assert hub.hall_path.read_bytes() == original
        code, out, err = run(capsys, hub.url, "rollback", "99")
        assert code == 1 and "unknown_version" in err

        # a big file (over one frame) travels in parts; over 1 MiB it is refused with a sentence
        big = tmp_path / "big.yaml"
        big.write_bytes(original + b"# " + b"x" * 200_000 + b"\n")
        code, out, err = run(capsys, hub.url, "publish", str(big), "--note", "long comment")
        assert code == 0, err
        huge = tmp_path / "huge.yaml"
        huge.write_bytes(original + b"# " + b"x" * 5_000_000 + b"\n")
        code, out, err = run(capsys, hub.url, "publish", str(huge))
        assert code == 1 and "too_large" in err and "at most 1,048,576" in err
        assert hub.hall_path.read_bytes() == big.read_bytes()

        # not a manager, or no token: exit 2
        code, out, err = run(capsys, hub.url, "pull", token=TOKENS["window"])
        assert code == 2 and "unauthorized" in err
        assert main(["config", "history", "--hub", hub.url, "--hall", "zhongshan", "--token", ""]) == 2


def test_an_unreachable_hub_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ws://127.0.0.1:9", "history", "--timeout", "2")
    assert code == 2 and "error:" in err
