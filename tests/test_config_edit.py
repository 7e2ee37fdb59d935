"""Form edits that keep the hall file (signage/config/edit.py): one value changed, every other byte kept."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from signage.config import load_hall_text
from signage.config.edit import EditError, edit, edit_many, parse_path

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
SAMPLES = ["zhongshan", "nanming", "riverside", "zhenhai", "reference"]


def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def text_of(name: str) -> str:
    return (LAYOUTS / f"{name}.yaml").read_text("utf-8")


def test_paths_read_as_the_problems_write_them() -> None:
    assert parse_path("services[2].name.en") == ["services", 2, "name", "en"]
    assert parse_path("screens[0].regions[1].rect") == ["screens", 0, "regions", 1, "rect"]
    assert parse_path("hall.name.zh-Hans") == ["hall", "name", "zh-Hans"]
    for bad in ("", "[0]", "services[x]", "a..b"):
        with pytest.raises(EditError):
            parse_path(bad)


@pytest.mark.parametrize("path, value", [
    ("services[2].name.en", "Newborns and adoptions"),
    ("screens[0].regions[1].rect", [60, 2, 40, 36]),
    ("floors[0].points[3].position", [2.5, 3]),
    ("services[0].minutes", 7),
    ("windows[0].label.en", "Care window"),
    ("hall.name.en", "Zhongshan: one-stop hall, 2F"),  # a colon and a comma: quoted, still one line
])
def test_one_form_edit_changes_one_line_of_zhongshan(path: str, value) -> None:
    old = text_of("zhongshan")
    new = edit(old, path, value)
    diff = changed_lines(old, new)
    assert len(diff) == 2, diff
    assert len(old.splitlines()) == len(new.splitlines())
    config = load_hall_text(new).config
    assert config is not None
    # every other character is the same: the lines around it are byte for byte
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert sum(x != y for x, y in zip(a, b)) == 1


@pytest.mark.parametrize("name", SAMPLES)
def test_each_samples_first_service_name_is_edited_in_place(name: str) -> None:
    old = text_of(name)
    config = load_hall_text(old).config
    assert config is not None
    lang = next(iter(config.services[0].name))
    new = edit(old, f"services[0].name.{lang}", "改了 Changed")
    assert len(changed_lines(old, new)) == 2
    assert load_hall_text(new).config.services[0].name[lang] == "改了 Changed"
    # comments, key order and blank lines of everything else survive
    assert [x for x in old.splitlines() if x.lstrip().startswith("#")] == \
        [x for x in new.splitlines() if x.lstrip().startswith("#")]


def test_adding_a_key_or_an_item_goes_beside_its_siblings() -> None:
    text = "# top\nhall:\n  id: x   # the id\n  tags:\n    - a\n    - b\nlist: [1, 2]\nother: {a: 1}\n"
    assert edit(text, "hall.new", 5) == "# top\nhall:\n  id: x   # the id\n  tags:\n    - a\n    - b\n  new: 5\nlist: [1, 2]\nother: {a: 1}\n"
    assert edit(text, "hall.tags[2]", "c") == text.replace("    - b\n", "    - b\n    - c\n")
    assert edit(text, "list[2]", 3) == text.replace("[1, 2]", "[1, 2, 3]")
    assert edit(text, "other.b", 2) == text.replace("{a: 1}", "{a: 1, b: 2}")
    assert edit(text, "services_missing", None) .endswith("services_missing: null\n")


def test_a_quoted_value_stays_quoted_and_crlf_stays() -> None:
    text = 'hall:\r\n  id: x\r\n  open: "08:30"\r\n'
    assert edit(text, "hall.open", "09:00") == 'hall:\r\n  id: x\r\n  open: "09:00"\r\n'


def test_edits_that_cannot_be_made_in_place_say_why() -> None:
    text = text_of("zhongshan")
    with pytest.raises(EditError, match="items"):
        edit(text, "services[99].name.en", "x")
    with pytest.raises(EditError, match="not a list"):
        edit(text, "hall[0]", "x")
    with pytest.raises(EditError, match="not YAML|not a hall"):
        edit("[", "a", 1)
    shared = "a: &x {n: 1}\nb: *x\n"
    with pytest.raises(EditError, match="shared"):
        edit(shared, "a", {"n": 2})


def test_several_edits_in_turn() -> None:
    old = text_of("zhongshan")
    new = edit_many(old, [("services[0].minutes", 6), ("services[1].minutes", 8)])
    assert len(changed_lines(old, new)) == 4
