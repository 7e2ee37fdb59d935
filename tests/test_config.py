"""The hall file format: the sample halls, pointed messages for broken files,
robustness against any edit, the ``signage validate`` and ``signage schema`` commands.

The broken-file table edits a small hall (``BASE`` below, its lines fixed here so
the expected line numbers stay put) and lists the exact lines a hall manager
would read. A case with no expected lines is a file that must load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signage.cli import main
from signage.config import load_hall, load_hall_text
from signage.config.loader import HallYamlLoader, _PureHallYamlLoader

ROOT = Path(__file__).resolve().parent.parent


def _is_hall_file(path: Path) -> bool:
    # layouts/ also holds other data (traffic profiles, demo tokens): a hall
    # file is the one whose hall: is a mapping.
    data = yaml.safe_load(path.read_text("utf-8"))
    return isinstance(data, dict) and isinstance(data.get("hall"), dict)


HALLS = sorted(p for p in (ROOT / "layouts").glob("*.yaml") if _is_hall_file(p))
OURS = ("zhongshan", "zhenhai", "nanming")

BASE = """\
format: 1
hall:
  id: test-hall
  name: {zh-Hans: 测试大厅, en: Test hall}
  languages: [zh-Hans, en]
  timezone: Asia/Shanghai
  hours:
    - {days: [mon, tue, wed, thu, fri], open: "08:30", close: "17:30"}
groups:
  - {id: household, name: {zh-Hans: 户籍, en: Household}}
  - {id: exit-entry, name: {zh-Hans: 出入境, en: Exit and entry}}
services:
  - {id: id-card, prefix: A, group: household, minutes: 4, name: {zh-Hans: 身份证, en: ID card}}
  - {id: passport, prefix: B, group: exit-entry, minutes: 6, name: {zh-Hans: 护照, en: Passport}}
  - id: endorsement
    prefix: C
    group: exit-entry
    minutes: 3
    name: {zh-Hans: 签注, en: Endorsement}
windows:
  - {number: 1, kind: love, services: all, floor: 1F, position: [2, 9]}
  - {number: 2, services: [id-card], floor: 1F, position: [5, 9]}
  - {number: 3, services: [passport, endorsement], floor: 2F, position: [2, 9]}
  - {number: 4, services: [passport, endorsement], floor: 2F, position: [5, 9]}
floors:
  - id: 1F
    level: 1
    name: {zh-Hans: 一楼, en: Ground floor}
    outline: [[0, 0], [10, 0], [10, 10], [0, 10]]
    points:
      - {id: entrance, kind: entrance, position: [5, 0]}
      - {id: lift, kind: lift, position: [9, 9]}
  - id: 2F
    level: 2
    name: {zh-Hans: 二楼, en: First floor}
    outline: [[0, 0], [10, 0], [10, 10], [0, 10]]
    points:
      - {id: lift, kind: lift, position: [9, 9]}
screens:
  - id: main
    kind: main
    resolution: [1920, 1080]
    diagonal_inches: 65
    viewing_distance_m: 8
    floor: 1F
    position: [5, 5]
    theme: high_contrast
    regions:
      - {widget: call_banner, rect: [0, 0, 60, 50], options: {highlight_seconds: 10}}
      - {widget: recent_calls, rect: [60, 0, 40, 50], options: {count: 5}}
      - {widget: window_board, rect: [0, 50, 100, 42]}
      - {widget: ticker, rect: [0, 92, 100, 8]}
  - id: strip-3
    kind: strip
    window: 3
    resolution: [1280, 320]
    diagonal_inches: 24
    viewing_distance_m: 4
    floor: 2F
    position: [2, 8]
    regions:
      - {widget: window_board, rect: [0, 0, 100, 100]}
messages:
  - {text: {zh-Hans: 讲文明 树新风, en: "Be civil, build new customs"}}
  - kind: notice
    text: {zh-Hans: 午间不休息, en: Open over lunch}
    schedule: {days: [mon, tue, wed, thu, fri], from: "12:00", to: "14:00"}
voice:
  languages: [zh-Hans, en]
  templates:
    call:
      zh-Hans: 请 {ticket} 号到 {window} 号窗口办理
      en: Ticket {ticket}, please go to window {window}
"""


# A floor with a courtyard: the east wing cannot see the west wing's walkway.
U_HALL = """\
format: 1
hall:
  id: u-hall
  name: {zh-Hans: U形大厅, en: U-shaped hall}
  timezone: Asia/Shanghai
groups: [{id: household, name: {zh-Hans: 户籍, en: Household}}]
services:
  - {id: id-card, prefix: A, group: household, minutes: 4, name: {zh-Hans: 身份证, en: ID card}}
windows:
  - {number: 1, services: all, floor: 1F, position: [2, 9]}
  - {number: 2, services: all, floor: 1F, position: [8, 9]}
floors:
  - id: 1F
    level: 1
    name: {zh-Hans: 一楼, en: Ground floor}
    # two wings with a courtyard between them (x 4 to 6, north of y 3)
    outline: [[0, 0], [10, 0], [10, 10], [6, 10], [6, 3], [4, 3], [4, 10], [0, 10]]
    points:
      - {id: entrance, kind: entrance, position: [2, 0]}
    walkways:
      nodes: {door: [2, 1], west-wing: [2, 8]}
      links:
        - [door, west-wing]
"""


@dataclass
class Case:
    """A broken variant: edits to BASE (or a whole file) and the exact report."""

    name: str
    edits: list[tuple[str, str]] = field(default_factory=list)
    raw: str | None = None  # the whole file instead of edits
    encoding: str = "utf-8"
    bom: bool = False
    expect: list[str] = field(default_factory=list)

    def content(self) -> bytes:
        text = BASE if self.raw is None else self.raw
        for old, new in self.edits:
            assert text.count(old) == 1, f"{self.name}: {old!r} must occur once in BASE"
            text = text.replace(old, new)
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode(self.encoding)


CASES = [
    Case(
        'unknown-widget',
        edits=[('{widget: ticker,', '{widget: tikcer,')],
        expect=[
            'hall.yaml:52: screens[0].regions[3].widget: unknown widget "tikcer" (expected one of: call_banner, recent_calls, window_board, waiting_board, process_guide, ticker, clock, text, image, qr, map, directory; did you mean "ticker"?)',
        ],
    ),
    Case(
        'unknown-key-typo',
        edits=[('{widget: ticker,', '{widgte: ticker,')],
        expect=[
            'hall.yaml:52: screens[0].regions[3].widgte: unknown key "widgte" (expected one of: widget, rect, options; did you mean "widget"?)',
        ],
    ),
    Case(
        'unknown-top-key',
        edits=[('screens:\n', 'sreens:\n')],
        expect=[
            'hall.yaml:39: sreens: unknown key "sreens" (expected one of: format, hall, rules, priority, groups, services, windows, floors, screens, themes, messages, voice, terms; did you mean "screens"?)',
        ],
    ),
    Case(
        'wrong-type-number',
        edits=[('minutes: 3', 'minutes: three')],
        expect=[
            'hall.yaml:18: services[2].minutes: "three" is not valid here (expected a number)',
        ],
    ),
    Case(
        'yaml-bool-is-not-a-number',  # an unquoted yes is true in YAML, and true is not 1 minute
        edits=[('minutes: 3', 'minutes: yes')],
        expect=[
            'hall.yaml:18: services[2].minutes: true is not valid here (expected a number)',
        ],
    ),
    Case(
        'widget-option-bool-is-not-a-number',
        edits=[('options: {count: 5}', 'options: {count: yes}')],
        expect=[
            'hall.yaml:50: screens[0].regions[1].options.count: true is not valid here (expected a whole number)',
        ],
    ),
    Case(
        'quoted-number-is-text',
        edits=[('minutes: 3', 'minutes: "3"')],
        expect=[
            'hall.yaml:18: services[2].minutes: "3" is not valid here (expected a number)',
        ],
    ),
    Case(
        'wrong-type-position',
        edits=[('position: [5, 9]}\n  - {number: 3', 'position: [5, north]}\n  - {number: 3')],
        expect=[
            'hall.yaml:22: windows[1].position[1]: "north" is not valid here (expected a number)',
        ],
    ),
    Case(
        'wrong-type-text',
        edits=[('{id: household, name: {zh-Hans: 户籍, en: Household}}', '{id: household, name: [户籍, Household]}')],
        expect=[
            'hall.yaml:10: groups[0].name: a list is not a text (expected a string, or a mapping such as {zh-Hans: …, en: …})',
        ],
    ),
    Case(
        'number-as-text',
        edits=[('id: test-hall', 'id: 110')],
        expect=[
            'hall.yaml:3: hall.id: the number 110 is not text (expected text: write it in quotes, "110")',
        ],
    ),
    Case(
        'duplicate-prefix',
        edits=[('prefix: C', 'prefix: A')],
        expect=[
            'hall.yaml:16: services[2].prefix: ticket prefix "A" is used twice (first at services[0].prefix, line 13)',
        ],
    ),
    Case(
        'duplicate-window',
        edits=[('{number: 4,', '{number: 3,')],
        expect=[
            'hall.yaml:24: windows[3].number: window number 3 is used twice (first at windows[2].number, line 23)',
        ],
    ),
    Case(
        'unknown-service',
        edits=[('services: [id-card]', 'services: [idcard]')],
        expect=[
            'hall.yaml:22: windows[1].services[0]: window 2 serves unknown service "idcard" (expected one of: id-card, passport, endorsement; did you mean "id-card"?)',
        ],
    ),
    Case(
        'region-outside',
        edits=[('rect: [60, 0, 40, 50]', 'rect: [60, 0, 45, 50]')],
        expect=[
            'hall.yaml:50: screens[0].regions[1].rect: region is outside the screen: x + width reaches 105% (expected at most 100)',
        ],
    ),
    Case(
        'regions-overlap',
        edits=[('rect: [0, 50, 100, 42]', 'rect: [0, 45, 100, 47]')],
        expect=[
            'hall.yaml:51: screens[0].regions[2].rect: region overlaps screens[0].regions[0], line 49 (call_banner)',
            'hall.yaml:51: screens[0].regions[2].rect: region overlaps screens[0].regions[1], line 50 (recent_calls)',
        ],
    ),
    Case(
        'unknown-theme',
        edits=[('theme: high_contrast', 'theme: hi_contrast')],
        expect=[
            'hall.yaml:47: screens[0].theme: unknown theme "hi_contrast" (expected one of: default, high_contrast, light; did you mean "high_contrast"?)',
        ],
    ),
    Case(
        'bad-time',
        edits=[('close: "17:30"', 'close: "25:00"')],
        expect=[
            'hall.yaml:8: hall.hours[0].close: "25:00" is not a time of day (expected "HH:MM" from "00:00" to "24:00", e.g. "08:30")',
        ],
    ),
    Case(
        'bad-time-unquoted',
        edits=[('close: "17:30"', 'close: 25:00')],
        expect=[
            'hall.yaml:8: hall.hours[0].close: "25:00" is not a time of day (expected "HH:MM" from "00:00" to "24:00", e.g. "08:30")',
        ],
    ),
    Case(
        'time-unquoted-ok',
        edits=[('open: "08:30"', 'open: 8:30')],
        expect=[
        ],
    ),
    Case(
        'time-float',
        edits=[('open: "08:30"', 'open: 8.30')],
        expect=[
            'hall.yaml:8: hall.hours[0].open: 8.3 is not a time of day (expected "HH:MM", e.g. "08:30")',
        ],
    ),
    Case(
        'bad-timezone',
        edits=[('timezone: Asia/Shanghai', 'timezone: Asia/Shangai')],
        expect=[
            'hall.yaml:6: hall.timezone: unknown time zone "Asia/Shangai" (expected a name such as "Asia/Shanghai"; did you mean "Asia/Shanghai"?)',
        ],
    ),
    Case(
        'duplicate-yaml-key',
        edits=[('    minutes: 3\n', '    minutes: 3\n    minutes: 4\n')],
        expect=[
            'hall.yaml:19: services[2].minutes: key "minutes" is written twice (first at line 18): delete one of the two (otherwise this one silently replaces the first)',
        ],
    ),
    Case(
        'yaml-syntax',
        edits=[('en: Open over lunch}', 'en: Open: over lunch}')],
        expect=[
            'hall.yaml:66: this text holds ": " (after "Open"), which YAML reads as the start of another key: put the whole text in quotes: "Open: over lunch"',
        ],
    ),
    Case(
        'yaml-tab',
        edits=[('    kind: main\n', '\tkind: main\n')],
        expect=[
            "hall.yaml:41: this line is indented with a tab: YAML counts only spaces (replace the tab with spaces, as many as the lines it belongs with)",
        ],
    ),
    Case(
        'yaml-unclosed',
        edits=[('{id: household, name: {zh-Hans: 户籍, en: Household}}', '{id: household, name: {zh-Hans: 户籍, en: Household}')],
        expect=[
            'hall.yaml:10: "{" opened on this line is not closed: add "}" at the end of the line (or where the list or mapping ends)',
        ],
    ),
    Case(
        'missing-key',
        edits=[('  - id: endorsement\n', '  - ide: endorsement\n')],
        expect=[
            'hall.yaml:15: services[2].ide: unknown key "ide" (expected one of: id, prefix, name, short, group, minutes, guide, appointments; did you mean "id"?)',
        ],
    ),
    Case(
        'missing-hall-id',
        edits=[('  id: test-hall\n', '')],
        expect=[
            'hall.yaml:2: hall.id: required key is missing',
        ],
    ),
    Case(
        'missing-format',
        edits=[('format: 1\n', '')],
        expect=[
            'hall.yaml:1: format: required key is missing (write format: 1 at the top of the file)',
        ],
    ),
    Case(
        'format-2',
        edits=[('format: 1\n', 'format: 2\n')],
        expect=[
            'hall.yaml:1: format: this file is format 2, but this signage reads format 1',
        ],
    ),
    Case(
        'format-quoted',
        edits=[('format: 1\n', 'format: "1"\n')],
        expect=[
            'hall.yaml:1: format: write format: 1 without quotes (expected the number 1)',
        ],
    ),
    Case(
        'strip-no-window',
        edits=[('    window: 3\n', '')],
        expect=[
            'hall.yaml:53: screens[1].window: a strip screen shows one window: say which (e.g. window: 3)',
        ],
    ),
    Case(
        'strip-unknown-window',
        edits=[('    window: 3\n', '    window: 7\n')],
        expect=[
            'hall.yaml:55: screens[1].window: unknown window 7 (expected one of: 1, 2, 3, 4)',
        ],
    ),
    Case(
        'unknown-placeholder',
        edits=[('请 {ticket} 号到', '请 {tikcet} 号到')],
        expect=[
            'hall.yaml:72: voice.templates.call.zh-Hans: unknown placeholder "{tikcet}" (expected one of: {ticket}, {window}, {floor}, {service}; did you mean "ticket"?)',
        ],
    ),
    Case(
        'broken-template',
        edits=[('please go to window {window}', 'please go to window {window')],
        expect=[
            "hall.yaml:73: voice.templates.call.en: broken template: expected '}' before end of string (write placeholders as {ticket}; a literal brace as {{ or }})",
        ],
    ),
    Case(
        'window-outside-floor',
        edits=[('position: [5, 9]}\n  - {number: 3', 'position: [5, 12]}\n  - {number: 3')],
        expect=[
            'hall.yaml:22: windows[1].position: window 2 at [5, 12] is outside the outline of floor 1F (x 0 to 10, y 0 to 10)',
        ],
    ),
    Case(
        'point-outside-floor',
        edits=[('{id: entrance, kind: entrance, position: [5, 0]}', '{id: entrance, kind: entrance, position: [5, -1]}')],
        expect=[
            'hall.yaml:31: floors[0].points[0].position: "entrance" at [5, -1] is outside the outline of floor 1F (x 0 to 10, y 0 to 10)',
        ],
    ),
    Case(
        'unknown-floor',
        edits=[('floor: 2F, position: [5, 9]', 'floor: 2f, position: [5, 9]')],
        expect=[
            'hall.yaml:24: windows[3].floor: unknown floor "2f" (expected one of: 1F, 2F; did you mean "2F"?)',
        ],
    ),
    Case(
        'unknown-group',
        edits=[('group: household,', 'group: houshold,')],
        expect=[
            'hall.yaml:13: services[0].group: unknown group "houshold" (expected one of: household, exit-entry; did you mean "household"?)',
        ],
    ),
    Case(
        'comma-in-text',
        edits=[('en: "Be civil, build new customs"', 'en: Be civil, build new customs')],
        expect=[
            'hall.yaml:64: messages[0].text.build new customs: "build new customs" is not a language tag (expected a BCP 47 tag such as zh-Hans, zh-Hant, zh-TW, zh-HK, en, es, yue; a comma inside an unquoted text ends it: put the text in quotes)',
        ],
    ),
    Case(
        'close-before-open',
        edits=[('close: "17:30"', 'close: "07:30"')],
        expect=[
            'hall.yaml:8: hall.hours[0]: opens at 08:30 but closes at 07:30 (expected close after open)',
        ],
    ),
    Case(
        'unknown-day',
        edits=[('days: [mon, tue, wed, thu, fri], open', 'days: [mon, tue, wen, thu, fri], open')],
        expect=[
            'hall.yaml:8: hall.hours[0].days[2]: unknown value "wen" (expected one of: mon, tue, wed, thu, fri, sat, sun; did you mean "wed"?)',
        ],
    ),
    Case(
        'bad-prefix',
        edits=[('prefix: B', 'prefix: BB')],
        expect=[
            'hall.yaml:14: services[1].prefix: "BB" is not valid here (expected one capital letter A to Z)',
        ],
    ),
    Case(
        'bad-id',
        edits=[('{id: id-card,', '{id: ID card,')],
        expect=[
            'hall.yaml:13: services[0].id: "ID card" is not a valid id (expected lower-case letters, digits, - and _, e.g. "id-card")',
        ],
    ),
    Case(
        'bad-date',
        edits=[('from: "12:00", to: "14:00"}', 'from: "12:00", to: "14:00", dates: ["2026-02-30"]}')],
        expect=[
            'hall.yaml:67: messages[1].schedule.dates[0]: "2026-02-30" is not a date (expected YYYY-MM-DD, e.g. "2026-10-01")',
        ],
    ),
    Case(
        'hours-union',
        edits=[('hours:\n    - {days: [mon, tue, wed, thu, fri], open: "08:30", close: "17:30"}', 'hours: "24 h"')],
        expect=[
            'hall.yaml:7: hall.hours: "24 h" is not valid here (expected "24h", or a list of opening hours such as {days: [mon], open: "08:30", close: "17:30"}; did you mean "24h"?)',
        ],
    ),
    Case(
        'services-union',
        edits=[('services: [id-card]', 'services: al')],
        expect=[
            'hall.yaml:22: windows[1].services: "al" is not valid here (expected "all", or a list of service ids; did you mean "all"?)',
        ],
    ),
    Case(
        'rect-three',
        edits=[('rect: [0, 92, 100, 8]', 'rect: [0, 92, 100]')],
        expect=[
            'hall.yaml:52: screens[0].regions[3].rect: too few items: item 4 is missing (expected [x, y, width, height] in percent of the screen)',
        ],
    ),
    Case(
        'option-typo',
        edits=[('options: {highlight_seconds: 10}', 'options: {highlight_second: 10}')],
        expect=[
            'hall.yaml:49: screens[0].regions[0].options.highlight_second: unknown key "highlight_second" (expected one of: highlight_seconds, show_arrow, floors, languages; did you mean "highlight_seconds"?)',
        ],
    ),
    Case(
        'option-range',
        edits=[('options: {count: 5}', 'options: {count: 0}')],
        expect=[
            'hall.yaml:50: screens[0].regions[1].options.count: 0 is out of range (expected at least 1)',
        ],
    ),
    Case(
        'option-unknown-window',
        edits=[('{widget: window_board, rect: [0, 50, 100, 42]}', '{widget: window_board, rect: [0, 50, 100, 42], options: {windows: [1, 9]}}')],
        expect=[
            'hall.yaml:51: screens[0].regions[2].options.windows[1]: unknown window 9 (expected one of: 1, 2, 3, 4)',
        ],
    ),
    Case(
        'not-a-mapping',
        raw='- format: 1\n- hall: x\n',
        expect=[
            'hall.yaml:1: a list is not a hall file (expected a mapping with keys format, hall, rules, priority, groups, services, windows, floors, screens, themes, messages, voice, terms)',
        ],
    ),
    Case(
        'empty-file',
        raw='',
        expect=[
            'hall.yaml:1: the file is empty: a hall file is a mapping with keys format, hall, rules, priority, groups, services, windows, floors, screens, themes, messages, voice, terms',
        ],
    ),
    Case(
        'comments-only',
        raw='# hall file\n\n',
        expect=[
            'hall.yaml:1: the file holds no data (only comments?): a hall file is a mapping with keys format, hall, rules, priority, groups, services, windows, floors, screens, themes, messages, voice, terms',
        ],
    ),
    Case(
        'alias-loop',
        raw='format: 1\nhall: &h\n  id: x\n  more: *h\n',
        expect=[
            'hall.yaml:1: an alias (*name) refers to a value that contains it: the data would never end',
        ],
    ),
    Case(
        'non-utf8',
        encoding='gb18030',
        expect=[
            'hall.yaml:4: the file is not UTF-8 text (it looks like GBK/GB18030: save it as UTF-8)',
        ],
    ),
    Case(
        'bom-ok',
        bom=True,
        expect=[
        ],
    ),
    Case(
        'duplicate-screen',
        edits=[('  - id: strip-3\n', '  - id: main\n')],
        expect=[
            'hall.yaml:53: screens[1].id: screen id "main" is used twice (first at screens[0].id, line 40)',
        ],
    ),
    Case(
        'unknown-language',
        edits=[('languages: [zh-Hans, en]\n  timezone', 'languages: [zh_CN, en]\n  timezone')],
        expect=[
            'hall.yaml:5: hall.languages[0]: "zh_CN" is not a language tag as written here (expected a BCP 47 tag, - between the parts, e.g. zh-Hans, zh-TW, es-MX; did you mean "zh-CN"?)',
        ],
    ),
    Case(
        'theme-colour',
        edits=[('voice:\n', "themes:\n  dim: {background: '#000', panel: '#111111', text: '#ffffff', muted: '#cccccc', accent: '#00e5ff', highlight: '#ffff00', warning: '#ff9e80'}\nvoice:\n")],
        expect=[
            'hall.yaml:69: themes.dim.background: "#000" is not valid here (expected a colour written "#rrggbb", e.g. "#0b1f3a")',
        ],
    ),
    Case(
        'theme-contrast',
        edits=[('voice:\n', "themes:\n  grey: {background: '#777777', panel: '#111111', text: '#ffffff', muted: '#cccccc', accent: '#00e5ff', highlight: '#ffff00', warning: '#ff9e80'}\nvoice:\n")],
        expect=[
            'hall.yaml:69: themes.grey.text: warning: contrast of text on background is 4.5:1 (expected at least 7:1 for reading across a hall)',
            'hall.yaml:69: themes.grey.highlight: warning: contrast of highlight on background is 4.2:1 (expected at least 7:1 for reading across a hall)',
        ],
    ),
    Case(
        'yue-no-template',
        edits=[('voice:\n  languages: [zh-Hans, en]', 'voice:\n  languages: [zh-Hans, en, yue]')],
        expect=[
            'hall.yaml:71: voice.templates.call: no yue text, but yue is in voice.languages',
        ],
    ),
    Case(
        'no-shared-lift',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\nscreens', '      - {id: lift-b, kind: lift, position: [9, 9]}\nscreens')],
        expect=[
            'hall.yaml:30: floors[0].points: warning: no stairs or lift of floor 1F has the same id on another floor (expected e.g. id: lift on both floors)',
            'hall.yaml:37: floors[1].points: warning: no stairs or lift of floor 2F has the same id on another floor (expected e.g. id: lift on both floors)',
        ],
    ),
    Case(
        'missing-english',
        edits=[('name: {zh-Hans: 签注, en: Endorsement}', 'name: 签注')],
        expect=[
            'hall.yaml:19: services[2].name: warning: no English (en) text, but the screens show en, zh-Hans (the text falls back to another language)',
        ],
    ),
    Case(
        'region-zero',
        edits=[('rect: [0, 92, 100, 8]', 'rect: [0, 92, 100, 0]')],
        expect=[
            'hall.yaml:52: screens[0].regions[3].rect: region is 100% wide and 0% high (expected both above 0)',
        ],
    ),
    Case(
        'hours-overlap',
        edits=[('    - {days: [mon, tue, wed, thu, fri], open: "08:30", close: "17:30"}\n', '    - {days: [mon, tue, wed, thu, fri], open: "08:30", close: "17:30"}\n    - {days: [fri, sat], open: "09:00", close: "12:00"}\n')],
        expect=[
            'hall.yaml:9: hall.hours[1]: overlaps hall.hours[0], line 8 on fri',
        ],
    ),
    Case(
        'three-mistakes',
        edits=[('{widget: ticker,', '{widget: tikcer,'), ('prefix: C', 'prefix: A'), ('timezone: Asia/Shanghai', 'timezone: Asia/Shangai')],
        expect=[
            'hall.yaml:6: hall.timezone: unknown time zone "Asia/Shangai" (expected a name such as "Asia/Shanghai"; did you mean "Asia/Shanghai"?)',
            'hall.yaml:16: services[2].prefix: ticket prefix "A" is used twice (first at services[0].prefix, line 13)',
            'hall.yaml:52: screens[0].regions[3].widget: unknown widget "tikcer" (expected one of: call_banner, recent_calls, window_board, waiting_board, process_guide, ticker, clock, text, image, qr, map, directory; did you mean "ticker"?)',
        ],
    ),

    Case(
        'date-unquoted-ok',
        edits=[('from: "12:00", to: "14:00"}', 'from: "12:00", to: "14:00", dates: [2026-10-01]}')],
        expect=[
        ],
    ),
    Case(
        'schedule-empty',
        edits=[('from: "12:00", to: "14:00"}', 'from: "12:00", to: "12:00"}')],
        expect=[
            'hall.yaml:67: messages[1].schedule: from and to are both 12:00: the message would never show',
        ],
    ),
    Case(
        'unknown-window-kind',
        edits=[('{number: 1, kind: love,', '{number: 1, kind: lvoe,')],
        expect=[
            'hall.yaml:21: windows[0].kind: unknown kind "lvoe" (expected one of: normal, love, green, unresolved; did you mean "love"?)',
        ],
    ),
    Case(
        'unknown-point-kind',
        edits=[('{id: entrance, kind: entrance,', '{id: entrance, kind: entrence,')],
        expect=[
            'hall.yaml:31: floors[0].points[0].kind: unknown kind "entrence" (expected one of: entrance, exit, info_desk, self_service, form_filling, photo, ticket_machine, reading_glasses, first_aid, aed, water, umbrella, power_bank, toilet, accessible_toilet, stairs, …; did you mean "entrance"?)',
        ],
    ),
    Case(
        'negative-minutes',
        edits=[('minutes: 6,', 'minutes: -6,')],
        expect=[
            'hall.yaml:14: services[1].minutes: -6 is out of range (expected more than 0)',
        ],
    ),
    Case(
        'area-outside-floor',
        edits=[('    points:\n      - {id: lift, kind: lift, position: [9, 9]}\nscreens', '    areas:\n      - {id: hall, name: {zh-Hans: 大厅, en: Hall}, polygon: [[0, 0], [12, 0], [12, 10]]}\n    points:\n      - {id: lift, kind: lift, position: [9, 9]}\nscreens')],
        expect=[
            'hall.yaml:38: floors[1].areas[0].polygon[1]: corner [12, 0] of area "hall" is outside the outline of floor 2F (x 0 to 10, y 0 to 10)',
        ],
    ),
    Case(
        'wayfinding-without-map',
        edits=[('    kind: main\n', '    kind: wayfinding\n')],
        expect=[
            'hall.yaml:48: screens[0].regions: warning: a wayfinding screen shows the way: add a region with widget: map',
        ],
    ),
    Case(
        'image-missing',
        edits=[('{widget: ticker, rect: [0, 92, 100, 8]}', '{widget: image, rect: [0, 92, 100, 8], options: {path: logo.png}}')],
        expect=[
            'hall.yaml:52: screens[0].regions[3].options.path: warning: no file "logo.png" next to the hall file (paths are relative to it)',
        ],
    ),
    # Walkways and routes (docs/wayfinding.md).
    Case(
        'walkway-unknown-node',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6], lift-door: [9, 7]}\n      links:\n        - [door, hal, lift-door]\n  - id: 2F')],
        expect=[
            'hall.yaml:34: floors[0].walkways.nodes.hall: warning: node "hall" is on no link (expected it in a chain of links or steps)',
            'hall.yaml:36: floors[0].walkways.links[0][1]: unknown node "hal" of floor 1F (expected one of: door, hall, lift-door; did you mean "hall"?)',
        ],
    ),
    Case(
        'walkway-node-outside',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, -1], hall: [5, 6]}\n      links:\n        - [door, hall]\n  - id: 2F')],
        expect=[
            'hall.yaml:34: floors[0].walkways.nodes.door: node "door" at [5, -1] is outside the outline of floor 1F (x 0 to 10, y 0 to 10)',
        ],
    ),
    Case(
        'walkway-leaves-floor',
        edits=[('    name: {zh-Hans: 一楼, en: Ground floor}\n    outline: [[0, 0], [10, 0], [10, 10], [0, 10]]', '    name: {zh-Hans: 一楼, en: Ground floor}\n    outline: [[0, 0], [7, 0], [7, 3], [10, 3], [10, 10], [0, 10]]'), ('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6], east: [9, 4]}\n      links:\n        - [hall, door, east]\n  - id: 2F')],
        expect=[
            'hall.yaml:36: floors[0].walkways.links[0][2]: the way from "door" to "east" leaves floor 1F (expected it inside the outline: add a node at the corner)',
        ],
    ),
    Case(
        'walkway-unreachable',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 5], west: [2, 7], nook-a: [5, 8], nook-b: [7, 8]}\n      links:\n        - [door, hall, west]\n        - [nook-a, nook-b]\n  - id: 2F')],
        expect=[
            "hall.yaml:22: windows[1]: warning: window 2 cannot be reached from the entrance (its walkways do not join the entrance's: link them)",
            'hall.yaml:32: floors[0].points[1]: warning: "lift" cannot be reached from the entrance (its walkways do not join the entrance\'s: link them)',
            'hall.yaml:38: floors[1].id: warning: floor 2F cannot be reached from the entrance on 1F (expected its stairs, lift, escalator or ramp on the walkways of both floors)',
        ],
    ),
    Case(
        'walkway-love-window-steps',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6], east: [9, 7], west: [2, 7]}\n      links:\n        - [door, hall, east]\n      steps:\n        - [hall, west]\n  - id: 2F')],
        expect=[
            'hall.yaml:21: windows[0]: warning: window 1 is a love window but has no step-free route from the entrance (every way has stairs or steps; expected a lift, a ramp or links without steps)',
        ],
    ),
    Case(
        'walkway-entrance-steps',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6], east: [9, 7]}\n      links:\n        - [hall, east]\n      steps:\n        - [door, hall]\n  - id: 2F')],
        expect=[
            'hall.yaml:31: floors[0].points[0]: warning: "entrance" (the entrance) has steps on every way to the windows: wheelchair users cannot get in (expected a link without steps from it)',
        ],
    ),
    Case(
        'entrance-not-step-free',
        edits=[('{id: entrance, kind: entrance, position: [5, 0]}', '{id: entrance, kind: entrance, position: [5, 0], step_free: false}')],
        expect=[
            'hall.yaml:31: floors[0].points[0].step_free: warning: no entrance is step-free: wheelchair users cannot come in (expected an entrance without step_free: false)',
        ],
    ),
    Case(
        'walkway-node-unused',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6], spare: [1, 1]}\n      links:\n        - [door, hall]\n  - id: 2F')],
        expect=[
            'hall.yaml:34: floors[0].walkways.nodes.spare: warning: node "spare" is on no link (expected it in a chain of links or steps)',
        ],
    ),
    Case(
        'node-without-walkways',
        edits=[('    floor: 2F\n    position: [2, 8]', '    floor: 2F\n    position: [2, 8]\n    node: counter')],
        expect=[
            'hall.yaml:61: screens[1].node: node "counter": floor 2F has no walkways (expected walkways with nodes on floor 2F)',
        ],
    ),
    Case(
        'window-unknown-node',
        edits=[('{number: 2, services: [id-card], floor: 1F, position: [5, 9]}', '{number: 2, services: [id-card], floor: 1F, position: [5, 9], node: hal}'), ('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6]}\n      links:\n        - [door, hall]\n  - id: 2F')],
        expect=[
            'hall.yaml:22: windows[1].node: unknown node "hal" of floor 1F (expected one of: door, hall; did you mean "hall"?)',
        ],
    ),
    Case(
        'wait-on-toilet',
        edits=[('{id: entrance, kind: entrance, position: [5, 0]}', '{id: entrance, kind: entrance, position: [5, 0], wait_seconds: 20}')],
        expect=[
            'hall.yaml:31: floors[0].points[0].wait_seconds: warning: wait_seconds only applies to stairs, lifts, escalators and ramps (this point is of kind entrance: delete the key)',
        ],
    ),
    Case(
        'walkway-chain-too-short',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {door: [5, 1], hall: [5, 6]}\n      links:\n        - [door]\n  - id: 2F')],
        expect=[
            'hall.yaml:36: floors[0].walkways.links[0]: has 1 item (expected at least 2)',
        ],
    ),
    Case(
        'walkway-bad-node-id',
        edits=[('      - {id: lift, kind: lift, position: [9, 9]}\n  - id: 2F', '      - {id: lift, kind: lift, position: [9, 9]}\n    walkways:\n      nodes: {Door: [5, 1], hall: [5, 6]}\n      links:\n        - [hall, hall]\n  - id: 2F')],
        expect=[
            'hall.yaml:34: floors[0].walkways.nodes.Door: "Door" is not a valid id (expected lower-case letters, digits, - and _, e.g. "id-card")',
        ],
    ),
    Case(
        'walkway-out-of-sight',
        raw=U_HALL,
        expect=[
            'hall.yaml:11: windows[1]: warning: window 2 at [8, 9] has no walkway in sight on floor 1F (expected a link it can reach in a straight line without leaving the floor, or node: <id>)',
        ],
    ),
]


def _load_case(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    Path("hall.yaml").write_bytes(case.content())
    return load_hall("hall.yaml")


# --- the sample halls ------------------------------------------------------------

def test_there_are_sample_halls() -> None:
    assert {p.stem for p in HALLS} >= set(OURS)


@pytest.mark.parametrize("path", HALLS, ids=lambda p: p.stem)
def test_sample_hall_is_valid(path: Path) -> None:
    result = load_hall(path)
    assert result.errors == [], "\n".join(map(str, result.errors))
    assert result.config is not None and result.config.hall.id == path.stem
    if path.stem in OURS:  # ours are also free of warnings
        assert result.warnings == [], "\n".join(map(str, result.warnings))


@pytest.mark.parametrize("path", HALLS, ids=lambda p: p.stem)
def test_sample_hall_reads_the_same_without_libyaml(path: Path) -> None:
    """libyaml (used when present) accepts some plain texts the pure-Python parser
    refuses (``{en: Stuck? Ask here}``): a hall file must not depend on which one runs."""
    text = path.read_text("utf-8")
    assert yaml.load(text, Loader=_PureHallYamlLoader) == yaml.load(text, Loader=HallYamlLoader)  # noqa: S506


def test_sample_halls_use_the_whole_format() -> None:
    """Between them the samples show every widget, window kind, screen kind and
    voice language, so that a renderer or announcer tested on them sees it all."""
    configs = [load_hall(ROOT / "layouts" / f"{name}.yaml").config for name in OURS]
    assert all(configs)
    widgets = {r.widget for c in configs for s in c.screens for r in s.regions}
    assert widgets >= {"call_banner", "recent_calls", "window_board", "waiting_board", "process_guide",
                       "ticker", "clock", "text", "qr", "map", "directory"}
    assert {w.kind for c in configs for w in c.windows} == {"normal", "love", "green", "unresolved"}
    assert {s.kind for c in configs for s in c.screens} == {"main", "strip", "guide", "wayfinding"}
    assert {lang for c in configs for lang in c.voice.languages} == {"zh-Hans", "en", "yue"}
    assert any(len(c.floors) > 1 for c in configs)
    assert any(m.schedule and m.schedule.dates for c in configs for m in c.messages)
    assert any(s.appointments for c in configs for s in c.services)


def test_nanming_is_written_in_traditional_chinese() -> None:
    config = load_hall(ROOT / "layouts" / "nanming.yaml").config
    assert config is not None and config.hall.languages == ["zh-Hant", "en"]
    texts = [config.hall.name] + [s.name for s in config.services] + [m.text for m in config.messages]
    texts += [t for s in config.services if s.guide for t in s.guide.steps + s.guide.materials + s.guide.notes]
    assert all("zh-Hant" in t and "en" in t for t in texts)


# --- broken files: the exact report --------------------------------------------------

def test_base_hall_is_valid() -> None:
    result = load_hall_text(BASE, "hall.yaml")
    assert result.problems == [] and result.config is not None


def test_the_table_is_large() -> None:
    assert len([c for c in CASES if c.expect]) >= 25


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_broken_variant(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _load_case(case, tmp_path, monkeypatch)
    assert [str(p) for p in result.problems] == case.expect
    has_errors = any(p.severity == "error" for p in result.problems)
    assert (result.config is None) == has_errors


def test_unquoted_time_is_read_as_written() -> None:
    # YAML 1.1 would read 8:30 as the number 510.
    result = load_hall_text(BASE.replace('open: "08:30"', "open: 8:30"), "hall.yaml")
    assert result.config is not None and result.config.hall.hours[0].open == "08:30"


def test_every_problem_is_reported_at_once() -> None:
    """Three mistakes in three parts of the file: three messages, one load."""
    text = (BASE.replace("{widget: ticker,", "{widget: tikcer,")
                .replace("prefix: C", "prefix: A")
                .replace("{number: 4,", "{number: 3,"))
    result = load_hall_text(text, "hall.yaml")
    assert result.config is None
    assert [(p.line, p.path) for p in result.problems] == [
        (16, "services[2].prefix"), (24, "windows[3].number"), (52, "screens[0].regions[3].widget")]


def test_model_errors_do_not_hide_cross_checks() -> None:
    # The bad minutes drop service 0 from the checks; the duplicate number and the
    # unknown service elsewhere are still found, and window 2 (serving the rejected
    # service) is not blamed for it.
    text = (BASE.replace("minutes: 4,", "minutes: four,")
                .replace("{number: 2,", "{number: 1,")
                .replace("services: [passport, endorsement], floor: 2F, position: [2, 9]",
                         "services: [passport, endorsment], floor: 2F, position: [2, 9]"))
    lines = [str(p) for p in load_hall_text(text, "hall.yaml").problems]
    assert lines == [
        'hall.yaml:13: services[0].minutes: "four" is not valid here (expected a number)',
        "hall.yaml:22: windows[1].number: window number 1 is used twice (first at windows[0].number, line 21)",
        'hall.yaml:23: windows[2].services[1]: window 3 serves unknown service "endorsment" '
        '(expected one of: passport, endorsement, id-card; did you mean "endorsement"?)',
    ]


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    result = load_hall(tmp_path / "nope.yaml")
    assert result.config is None and len(result.problems) == 1
    assert "cannot read the file" in str(result.problems[0])
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    assert "at most" in str(load_hall(big).problems[0])


@pytest.mark.parametrize("text", [
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)),
    "a: " + "[" * 3000 + "]" * 3000,
    "a: " + "{b: " * 2000 + "1" + "}" * 2000,
    "? [a, b]\n: 1\n",
    "format: 1\n---\nformat: 1\n",
    "\x00",
])
def test_hostile_files_are_reported_not_raised(text: str) -> None:
    result = load_hall_text(text, "x.yaml")
    assert result.config is None and result.problems
    assert all(p.line >= 1 and "internal error" not in p.message for p in result.problems)


# --- any edit of a sample hall: never raises, always points at a line ------------------

SAMPLES = [p.read_text("utf-8") for p in HALLS] + [BASE]
NOISE = list(":-{}[],'\"#&*!|> \t0123456789aZ_.中") + ["\n", "\x00", "\u00a0", "8:30", "  "]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        k = draw(st.integers(0, max(len(text) - 1, 0)))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "change", "insert", "truncate"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:]
        elif op in ("change", "insert"):
            noise = draw(st.sampled_from(NOISE))
            text = text[:k] + noise + text[k + (op == "change"):]
            continue
        else:
            text = text[:k]
            continue
        text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_edit_is_reported_never_raised(text: str) -> None:
    result = load_hall_text(text, "hall.yaml")
    last_line = text.count("\n") + 1
    for p in result.problems:
        assert "internal error" not in p.message, p
        if text.strip():
            assert 1 <= p.line <= last_line + 1, p
        assert str(p).startswith(f"hall.yaml:{p.line}: "), p
    assert (result.config is None) == bool(result.errors)


# --- the command line --------------------------------------------------------------

def test_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, HALLS)]) == 0
    out = capsys.readouterr().out
    assert all(f"{p}: ok: hall {p.stem}" in out for p in HALLS)

    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("{widget: ticker,", "{widget: tikcer,"), "utf-8")
    assert main(["validate", str(HALLS[0]), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f'{bad}:52: screens[0].regions[3].widget: unknown widget "tikcer"' in err
    assert f"{bad}: INVALID hall file (1 problem)" in err

    assert main(["validate", str(tmp_path / "missing.yaml")]) == 1


def test_validate_prints_warnings_but_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hall = tmp_path / "warn.yaml"
    hall.write_text(BASE.replace("name: {zh-Hans: 签注, en: Endorsement}", "name: 签注"), "utf-8")
    assert main(["validate", str(hall)]) == 0
    assert f"{hall}:19: services[2].name: warning: no English (en) text" in capsys.readouterr().out


def _schema(capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["schema"]) == 0
    return json.loads(capsys.readouterr().out)


def _data(text: str) -> object:
    return yaml.load(text, Loader=HallYamlLoader)  # noqa: S506 (a safe loader)


def test_schema_is_valid_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = _schema(capsys)
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_accepts_the_sample_halls(capsys: pytest.CaptureFixture[str]) -> None:
    validator = jsonschema.Draft202012Validator(_schema(capsys))
    for text in SAMPLES:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_data(text))]
        assert errors == []


@pytest.mark.parametrize("edit", [
    ("{widget: ticker,", "{widget: tikcer,"),
    ("{widget: ticker,", "{widgte: ticker,"),
    ("prefix: B", "prefix: BB"),
    ('close: "17:30"', 'close: "25:00"'),
    ("format: 1", "format: 2"),
    ("options: {highlight_seconds: 10}", "options: {highlight_second: 10}"),
    ("options: {count: 5}", "options: {count: 0}"),
])
def test_schema_rejects_what_the_model_rejects(edit: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    validator = jsonschema.Draft202012Validator(_schema(capsys))
    assert not validator.is_valid(_data(BASE.replace(*edit)))
