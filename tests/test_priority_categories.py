"""Priority categories per hall (issue 17 item 4): the hall file's ``priority.categories``, the
Chinese halls' list when it has none; the engine refuses a category the hall does not list; the
hall's list reaches the pages in the welcome and config frames."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import LAYOUTS
from engine_hall import HALL_YAML, Driver
from hub_harness import HubHarness
from server.hub.cli import register as register_cli  # noqa: F401  (the CLI takes any category id)
from server.sim.simulator import HallDay, priority_kinds, run_on_engine
from server.sim.traffic import load_profile
from signage import protocol as p
from signage.config import load_hall, load_hall_text
from signage.config.loader import config_json
from signage.config.model import Priority, PriorityCategory, default_priority_categories

HERE = Path(__file__).resolve().parent
DMV = HERE / "halls" / "dmv.yaml"
STATIC = HERE.parent / "server" / "web" / "static"
DEFAULT_IDS = ["elderly", "disabled", "pregnant", "infant", "military", "other"]
DMV_IDS = ["older", "disability", "pregnant", "veteran", "other"]
# Monday 09:00 in the motor-vehicle office's own time zone: inside its opening hours.
LA_MORNING = dt.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles")).timestamp()

ENGLISH_LIST = """
priority:
  categories:
    - {id: older, name: {zh-Hans: 老年人, en: Older people (65+)}, short: {zh-Hans: 老人, en: older people}}
    - {id: veteran, name: {zh-Hans: 退伍军人, en: Veterans}}
    - {id: other, name: {zh-Hans: 其他, en: Other}, kiosk: false}
"""


def _with_priority(text: str, section: str) -> str:
    """A hall file's text with a priority section put before its rules (or groups)."""
    key = "\nrules:" if "\nrules:" in text else "\ngroups:"
    assert key in text
    return text.replace(key, "\n" + section.strip("\n") + key, 1)


def _dmv() -> str:
    return DMV.read_text("utf-8")


# --- the hall file ------------------------------------------------------------------

def test_a_hall_without_the_section_has_the_chinese_list_with_todays_words() -> None:
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    assert config is not None
    assert config.priority.ids == DEFAULT_IDS
    words = {c.id: (c.name["zh-Hans"], c.name["en"]) for c in config.priority.categories}
    assert words["elderly"] == ("老年人（60岁以上）", "Elderly (60+)")
    assert words["military"] == ("现役军人、消防救援人员", "Military, fire and rescue")
    assert [c.id for c in config.priority.categories if not c.kiosk] == ["other"]  # staff choose it
    # the shipped Chinese samples keep the default (they have no section of their own)
    for name in ("zhongshan", "zhenhai", "nanming", "reference"):
        assert load_hall(LAYOUTS / f"{name}.yaml").config.priority.ids == DEFAULT_IDS, name


def test_a_hall_of_its_own_words_loads_its_list() -> None:
    result = load_hall(DMV)
    assert result.config is not None, [str(x) for x in result.problems]
    assert result.problems == []  # an English-only hall: no missing-language warnings either
    categories = result.config.priority.categories
    assert [c.id for c in categories] == DMV_IDS
    assert categories[0].name == {"en": "Older people (65+)"} and categories[0].short == {"en": "older people"}
    assert categories[-1].kiosk is False and categories[-1].short is None
    assert "Military" not in json.dumps(result.config.model_dump(mode="json"))


def test_a_category_twice_is_refused_pointing_at_both() -> None:
    text = _with_priority(HALL_YAML, """
priority:
  categories:
    - {id: older, name: Older people}
    - {id: veteran, name: Veterans}
    - {id: older, name: Seniors}
""")
    result = load_hall_text(text, "dup.yaml")
    assert result.config is None
    errors = [x for x in result.errors]
    assert len(errors) == 1, [str(x) for x in result.problems]
    first = text.splitlines().index("    - {id: older, name: Older people}") + 1
    assert errors[0].path == "priority.categories[2].id"
    assert errors[0].line == first + 2
    assert errors[0].message == f'priority category "older" is used twice (first at priority.categories[0].id, line {first})'


def test_a_twice_listed_category_is_found_when_another_section_is_broken_too() -> None:
    # the loader salvages the valid sections of a rejected file: the priority list is still judged
    text = _with_priority(HALL_YAML, """
priority:
  categories:
    - {id: older, name: Older people}
    - {id: older, name: Seniors}
""").replace("minutes: 4, name: 身份证", "minutes: -4, name: 身份证")
    messages = [x.message for x in load_hall_text(text, "two.yaml").errors]
    assert any('priority category "older" is used twice' in m for m in messages), messages
    assert any(x.path == "services[0].minutes" for x in load_hall_text(text, "two.yaml").errors)


@pytest.mark.parametrize("section, path, words", [
    ("priority:\n  categories:\n    - {id: older}\n", "priority.categories[0].name", "required"),
    ("priority:\n  categories: []\n", "priority.categories", "at least 1"),
    ("priority:\n  categories:\n    - {id: Older People, name: Older}\n", "priority.categories[0].id", "not a valid id"),
    ("priority:\n  categories:\n    - {id: older, name: Older, colour: red}\n", "priority.categories[0].colour", ""),
    ("priority:\n  categories:\n    - {id: older, name: {en: \"  \"}}\n", "priority.categories[0].name", "empty"),
])
def test_a_category_needs_an_id_and_a_name(section: str, path: str, words: str) -> None:
    result = load_hall_text(_with_priority(HALL_YAML, section), "bad.yaml")
    assert result.config is None
    found = [x for x in result.errors if x.path.startswith(path)]
    assert found, [str(x) for x in result.problems]
    assert words in found[0].message, str(found[0])


def test_a_name_without_a_shown_language_is_a_warning() -> None:
    # the sample's screens show zh-Hans and en: an English-only name falls back, and says so
    text = _with_priority((LAYOUTS / "zhongshan.yaml").read_text("utf-8"),
                          "priority:\n  categories:\n    - {id: veteran, name: {en: Veterans}}\n")
    result = load_hall_text(text, "zs.yaml")
    assert result.config is not None
    assert any(x.path == "priority.categories[0].name" and "Chinese" in x.message for x in result.warnings)


def test_the_hall_files_json_carries_the_list() -> None:
    default = json.loads(config_json(load_hall(LAYOUTS / "zhongshan.yaml").config))
    assert [c["id"] for c in default["priority"]["categories"]] == DEFAULT_IDS
    assert default["priority"]["categories"][0] == {
        "id": "elderly", "name": {"zh-Hans": "老年人（60岁以上）", "en": "Elderly (60+)"},
        "short": {"zh-Hans": "老人", "en": "elderly"}, "kiosk": True}
    own = json.loads(config_json(load_hall(DMV).config))
    assert [c["id"] for c in own["priority"]["categories"]] == DMV_IDS


def test_the_pages_fallback_list_is_the_hall_formats_default() -> None:
    # hub.js's DEFAULT_PRIORITY (for a hub that sends no list) says what the model's default says
    js = (STATIC / "hub.js").read_text("utf-8")
    block = js[js.index("export const DEFAULT_PRIORITY"):]
    block = block[:block.index("];")]
    rows = re.findall(r'\{id: "([a-z-]+)", name: \{"zh-Hans": "([^"]+)", en: "([^"]+)"\}'
                      r'(?:, short: \{"zh-Hans": "([^"]+)", en: "([^"]+)"\})?(, kiosk: false)?\}', block)
    model = [(c.id, c.name["zh-Hans"], c.name["en"], *((c.short["zh-Hans"], c.short["en"]) if c.short else ("", "")),
              "" if c.kiosk else ", kiosk: false") for c in default_priority_categories()]
    assert [tuple(r) for r in rows] == model
    # no page keeps a list of its own any more
    for name in ("kiosk.js", "staff.js", "guide.js"):
        text = (STATIC / name).read_text("utf-8")
        assert "p_military" not in text and "PRIORITY_WORDS" not in text and "军人" not in text, name


# --- the protocol and the engine ---------------------------------------------------

def test_the_protocol_takes_any_short_id_and_the_engine_judges_it() -> None:
    cmd = p.parse_client(json.dumps({"type": "issue", "id": "i1", "service": "license", "priority": "veteran"}))
    assert cmd.priority == "veteran"
    for bad in ("", "x" * 65, 3, ["elderly"]):
        with pytest.raises(p.ProtocolError):
            p.parse_client(json.dumps({"type": "issue", "id": "i1", "service": "license", "priority": bad}))


def test_a_ticket_of_one_of_the_halls_categories_is_issued() -> None:
    d = Driver(_dmv(), start=LA_MORNING)
    decision = d.send("issue", actor="kiosk:1", service="license", priority="veteran")
    assert decision.ok, decision.refusal
    ticket = decision.result["ticket"]
    assert ticket["class"] == "priority" and ticket["priority"] == "veteran"
    assert d.engine.state.tickets[ticket["id"]].priority == "veteran"
    # a priority ticket goes before the normal one issued first
    first = d.issue("license")
    assert d.issue("license", priority="other", reason="on crutches")
    assert d.call_next(2) == ticket["number"]
    assert d.call_next(2) != first  # the staff's "other" is a priority ticket too


def test_a_category_the_hall_does_not_list_is_refused_naming_its_categories() -> None:
    d = Driver(_dmv(), start=LA_MORNING)
    decision = d.send("issue", actor="kiosk:1", service="license", priority="military")
    assert not decision.ok and decision.events == []
    assert decision.refusal.code == "unknown_priority"
    assert decision.refusal.message == ('no priority category "military" in this hall '
                                        '(priority.categories: older, disability, pregnant, veteran, other)')
    assert d.engine.state.tickets == {}
    # and the default list's halls refuse the motor-vehicle office's words
    china = Driver()
    assert china.issue("id-card", priority="military")
    assert china.refusal("issue", service="id-card", priority="veteran") == "unknown_priority"
    # an unknown service is still said first
    assert d.refusal("issue", service="boat", priority="military") == "unknown_service"


# --- the hub: the frames and the answers -------------------------------------------

async def _hub(tmp: Path, section: str | None):
    hall = tmp / "zhongshan.yaml"
    text = (LAYOUTS / "zhongshan.yaml").read_text("utf-8")
    hall.write_text(_with_priority(text, section) if section else text, encoding="utf-8")
    return await HubHarness(tmp).start()


def _run(coro) -> None:
    asyncio.run(asyncio.wait_for(coro, 20))


def test_the_welcome_carries_the_default_list_and_the_hub_issues_by_it(tmp_path: Path) -> None:
    async def main() -> None:
        h = await _hub(tmp_path, None)
        try:
            kiosk = await h.connect("kiosk")
            categories = kiosk.welcome["config"]["priority"]["categories"]
            assert [c["id"] for c in categories] == DEFAULT_IDS
            ticket = await h.issue(kiosk, priority="infant")
            assert ticket["class"] == "priority"
        finally:
            await h.stop()
    _run(main())


def test_the_hub_issues_by_the_halls_own_list_and_refuses_another(tmp_path: Path) -> None:
    async def main() -> None:
        h = await _hub(tmp_path, ENGLISH_LIST)
        try:
            kiosk, screen = await h.connect("kiosk"), await h.connect("screen", screen="main")
            assert [c["id"] for c in kiosk.welcome["config"]["priority"]["categories"]] == ["older", "veteran", "other"]
            assert screen.welcome["config"]["priority"]["categories"][1]["name"] == {"zh-Hans": "退伍军人", "en": "Veterans"}
            ticket = await h.issue(kiosk, priority="veteran")
            assert ticket["class"] == "priority" and ticket["priority"] == "veteran"
            event = await screen.expect("event")
            while event["event"]["type"] != "ticket_issued":  # a new day's day_started comes first
                event = await screen.expect("event")
            assert event["event"]["ticket"]["priority"] == "veteran"
            answer = await kiosk.request({"type": "issue", "service": "id-card", "priority": "elderly"})
            assert answer["type"] == "error" and answer["code"] == "unknown_priority", answer
            assert "older, veteran, other" in answer["message"]
        finally:
            await h.stop()
    _run(main())


def test_a_reload_pushes_the_new_list_in_the_config_frame(tmp_path: Path) -> None:
    async def main() -> None:
        h = await _hub(tmp_path, None)
        try:
            kiosk = await h.connect("kiosk")
            h.hall_path.write_text(_with_priority(h.hall_path.read_text("utf-8"), ENGLISH_LIST), encoding="utf-8")
            manager = await h.connect("manager")
            answer = await manager.request({"type": "reload"})
            assert answer["type"] == "ok", answer
            pushed = await kiosk.expect("config")
            assert [c["id"] for c in pushed["config"]["priority"]["categories"]] == ["older", "veteran", "other"]
            refused = await kiosk.request({"type": "issue", "service": "id-card", "priority": "infant"})
            assert refused["type"] == "error" and refused["code"] == "unknown_priority"
            assert (await h.issue(kiosk, priority="older"))["priority"] == "older"
        finally:
            await h.stop()
    _run(main())


# --- the simulator and the command line --------------------------------------------

def test_the_simulator_draws_its_priority_citizens_from_the_halls_list() -> None:
    config = load_hall(LAYOUTS / "reference.yaml").config
    profile = load_profile(LAYOUTS / "reference.traffic.yaml", config).profile
    assert priority_kinds(config) == tuple(DEFAULT_IDS[:5])  # the kiosk's: not "other"
    own = config.model_copy(update={"priority": Priority(categories=[
        PriorityCategory(id="older", name={"en": "Older people"}),
        PriorityCategory(id="veteran", name={"en": "Veterans"}),
        PriorityCategory(id="other", name={"en": "Other"}, kiosk=False),
    ])})
    assert priority_kinds(own) == ("older", "veteran")
    result = run_on_engine(HallDay(own, profile, dt.date(2026, 11, 23), seed=7))
    drawn = {c.priority for c in result.citizens if c.klass == "priority"}
    assert drawn == {"older", "veteran"}
    assert not [c for c in result.citizens if c.turned_away == "unknown_priority"]
    staff_only = own.model_copy(update={"priority": Priority(categories=[
        PriorityCategory(id="other", name={"en": "Other"}, kiosk=False)])})
    assert priority_kinds(staff_only) == ("other",)


def test_the_command_line_takes_the_halls_category() -> None:
    from signage.cli import build_parser

    args = build_parser().parse_args(["take", "--service", "L", "--priority", "veteran"])
    assert args.priority == "veteran"
