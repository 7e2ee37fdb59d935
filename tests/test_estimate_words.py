"""The one wording of waiting estimates (docs/estimates.md, *Wording*): the screens'
``signage.i18n.wait_text`` and the pages' ``waitText`` (server/web/static/hub.js) against
one table, tests/estimate_words.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from signage.i18n import wait_text, whole_minutes

ROOT = Path(__file__).resolve().parent.parent
TABLE = json.loads((Path(__file__).parent / "estimate_words.json").read_text(encoding="utf-8"))["cases"]
HUB_JS = ROOT / "server" / "web" / "static" / "hub.js"


@pytest.mark.parametrize("case", TABLE, ids=[json.dumps(c["est"], ensure_ascii=False) for c in TABLE])
@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_wait_text_follows_the_table(case: dict, lang: str) -> None:
    assert wait_text(case["est"], lang, case.get("count")) == case[lang]


def test_traditional_chinese_is_converted() -> None:
    assert wait_text({"waiting": 0, "minutes": 3}, "zh-Hant") in ("無需等待", "无需等待")
    assert wait_text({"waiting": 2, "minutes": 3}, "zh-Hant") == "約 3 分鐘"


def test_the_count_and_the_minutes_never_contradict() -> None:
    for waiting in range(0, 4):
        for tenths in range(0, 60):
            for spread in (None, 0, 1, 3):
                m = tenths / 10
                est = {"waiting": waiting, "minutes": m,
                       "low": None if spread is None else max(0.0, m - spread),
                       "high": None if spread is None else m + spread}
                words = wait_text(est, "en")
                if waiting == 0:
                    assert words == "No wait"
                else:
                    assert words.startswith("about ") and "about 0" not in words and " 0–" not in words, (est, words)


def test_rounding_is_half_up() -> None:
    assert [whole_minutes(v) for v in (0.49, 0.5, 1.5, 2.5, 3.49)] == [0, 1, 2, 3, 3]
    assert whole_minutes(None) is None and whole_minutes(float("nan")) is None and whole_minutes(True) is None


def test_hub_js_wait_text_follows_the_same_table(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the browser tests check the pages' texts too)")
    module = tmp_path / "hub.mjs"  # plain node imports an ES module by its extension
    shutil.copy(HUB_JS, module)
    script = tmp_path / "check.mjs"
    script.write_text(
        "import {readFileSync} from 'node:fs';\n"
        f"import {{waitText}} from {json.dumps(module.as_uri())};\n"
        f"const cases = JSON.parse(readFileSync({json.dumps(str(Path(__file__).parent / 'estimate_words.json'))}, 'utf8')).cases;\n"
        "const out = [];\n"
        "for (const c of cases) for (const lang of ['zh-Hans', 'en'])\n"
        "  out.push({est: c.est, lang, want: c[lang], got: waitText(c.est, c.count ?? null, lang)});\n"
        "process.stdout.write(JSON.stringify(out));\n", encoding="utf-8")
    run = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    wrong = [r for r in json.loads(run.stdout) if r["got"] != r["want"]]
    assert not wrong, wrong
