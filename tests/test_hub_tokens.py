"""The tokens file: pointed problems, constant-time matching, the demo file."""

from __future__ import annotations

import pytest

from hub_harness import LAYOUTS

from signage.config.tokens import TokensError, load_tokens, parse_tokens
from signage.config import load_hall

GOOD = """
tokens:
  - {name: w3, role: window, hall: zhongshan, windows: [3], token: abcdefghijklmnop-3}
  - {name: walls, role: screen, hall: [zhongshan, zhenhai], screens: [main], token: abcdefghijklmnop-s}
  - {name: boss, role: manager, hall: "*", token: abcdefghijklmnop-m}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(TokensError) as info:
        parse_tokens(text, "tokens.yaml")
    return info.value.problems


def test_good_file_and_matching() -> None:
    tokens = parse_tokens(GOOD, "tokens.yaml")
    assert not tokens.demo
    w3 = tokens.match("abcdefghijklmnop-3")
    assert w3 is not None and w3.role == "window" and w3.windows == {3} and w3.covers_hall("zhongshan")
    assert not w3.covers_hall("zhenhai")
    assert tokens.match("abcdefghijklmnop-m").covers_hall("anywhere")
    assert tokens.match("abcdefghijklmnop-s").screens == {"main"}
    for wrong in ("", "abcdefghijklmnop", "abcdefghijklmnop-3 ", "ABCDEFGHIJKLMNOP-3", "abcdefghijklmnop-3" * 2):
        assert tokens.match(wrong) is None
    assert "abcdefghijklmnop" not in repr(w3)  # secrets stay out of logs


def test_problems_point_at_the_line() -> None:
    text = """tokens:
  - name: w3
    role: windw
    hall: zhongshan
    token: short
  - {name: w3, role: kiosk, hall: zhongshan, token: abcdefghijklmnop-k, windows: [1]}
  - {name: k2, role: kiosk, hall: zhongshan, token: abcdefghijklmnop-k, screns: [a]}
  - {name: w9, role: window, hall: zhongshan, token: abcdefghijklmnop-9}
"""
    got = problems(text)
    assert 'tokens.yaml:3: tokens[0].role: unknown role "windw"' in got[0] and 'did you mean "window"' in got[0]
    assert any(p.startswith("tokens.yaml:5: tokens[0].token: too short") for p in got)
    assert any("tokens.yaml:6: tokens[1].windows: only a window token has windows" in p for p in got)
    assert any('tokens.yaml:7: tokens[2].screns: unknown key "screns"' in p and 'did you mean "screens"' in p for p in got)
    assert any("tokens.yaml:8: tokens[3].windows: a window token needs windows" in p for p in got)


def test_duplicates_are_refused() -> None:
    got = problems("""tokens:
  - {name: a, role: kiosk, hall: h, token: abcdefghijklmnop-1}
  - {name: a, role: kiosk, hall: h, token: abcdefghijklmnop-1}
""")
    assert any("tokens[1].name" in p and "also used by tokens[0]" in p for p in got)
    assert any("tokens[1].token" in p and "every token must be different" in p for p in got)


def test_not_a_tokens_file() -> None:
    assert "list under \"tokens\"" in problems("- just\n- a list\n")[0]
    assert "tokens.yaml:2: \"{\" opened on this line is not closed: add \"}\"" in problems("tokens:\n  - {name: a\n")[0]
    with pytest.raises(TokensError) as info:
        load_tokens("/no/such/tokens.yaml")
    assert "cannot read" in info.value.problems[0]


def test_demo_tokens_cover_every_window_of_the_sample_halls() -> None:
    tokens = load_tokens(LAYOUTS / "demo-tokens.yaml")
    assert tokens.demo
    for hall in ("zhongshan", "zhenhai", "nanming"):
        config = load_hall(LAYOUTS / f"{hall}.yaml").config
        assert config is not None
        roles = {e.role for e in tokens.entries if e.covers_hall(hall)}
        assert roles == {"screen", "announcer", "window", "kiosk", "manager"}
        covered = {w for e in tokens.entries if e.role == "window" and e.covers_hall(hall) for w in e.windows}
        assert covered == {w.number for w in config.windows}
