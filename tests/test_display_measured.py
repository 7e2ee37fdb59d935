"""Legibility measured on what is drawn: the text record, the minimum size, generated halls."""

from __future__ import annotations

import json
from pathlib import Path

import pygame
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signage.cli import main
from signage.config import load_hall, load_hall_text
from signage.i18n import catalogue_tags
from signage.config.legibility import BANNER_FACTOR, min_glyph_px, pixel_pitch_mm
from signage.display.measure import measure_hall, render_texts, start_pygame
from signage.display.text import TextRenderer

from conftest import LAYOUTS

HALLS = sorted(p for p in LAYOUTS.glob("*.yaml") if "." not in p.stem and "tokens" not in p.name)


def test_glyph_px_is_the_ink_of_h_or_guo() -> None:
    assert start_pygame() is None
    t = TextRenderer()
    assert t.glyph_px("Window", "en", 100) == t.font("en").get_rect("H", size=100).height
    assert t.glyph_px("窗口", "zh-Hans", 100) == t.font("zh-Hans").get_rect("国", size=100).height
    t.min_glyph = 30
    px = t.floor_px("Window", "en")
    assert t.glyph_px("H", "en", px) >= 30 > t.glyph_px("H", "en", px - 1)
    assert t.fit("Certificate of no criminal record", "en", 50, 10, 200) == px  # never below, even if it does not fit


def test_a_line_too_wide_at_the_minimum_wraps_shortens_or_is_cut() -> None:
    t = TextRenderer()
    t.min_glyph = 20
    surface = pygame.Surface((400, 400))
    t.draw(surface, "Household registration", "en", pygame.Rect(0, 0, 260, 200), (255, 255, 255), 40)
    t.draw(surface, "Certificate of no criminal record", "en", pygame.Rect(0, 0, 200, 30), (255, 255, 255), 40,
           short="No record")
    t.draw(surface, "Extraordinarily", "en", pygame.Rect(0, 0, 60, 30), (255, 255, 255), 40)
    what = {text: w for _, _, text, w in t.events}
    assert what["Household registration"] == "wrapped to 2 lines"
    assert what["Certificate of no criminal record"] == "shortened"
    assert what["Extraordinarily"] == "cut"
    assert t.wrap("Extraordinarily long", "en", 40, 60) == ["Extraordinarily", "long"]  # never inside a word


@pytest.mark.parametrize("path", HALLS, ids=[p.stem for p in HALLS])
def test_shipped_halls_draw_nothing_below_the_rule(path: Path) -> None:
    config = load_hall(path).config
    m = measure_hall(config, path.parent)
    below = [f.message() for f in m.findings if f.what == "below the rule"]
    assert not below, below
    for screen in config.screens:
        for (sid, lang), mm in m.smallest.items():
            if sid == screen.id:
                assert mm + 1e-6 >= min_glyph_px(screen) * pixel_pitch_mm(screen), (sid, lang, mm)


def test_the_called_number_has_its_own_minimum() -> None:
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    main_screen = config.screen("main")
    tiny = config.model_copy(update={"screens": [main_screen.model_copy(update={"viewing_distance_m": 60})]})
    records, _, _ = render_texts(tiny, "main", "en")
    number = [r for r in records if r["widget"] == "call_banner" and r.get("emphasis")]
    assert number and number[0]["glyph_px"] >= min_glyph_px(tiny.screens[0], BANNER_FACTOR) - 1e-6


def test_preview_writes_the_text_record(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    assert main(["preview", str(LAYOUTS / "zhongshan.yaml"), "--screen", "main", "--lang", "en",
                 "--out", str(tmp_path / "m.png"), "--texts", str(out)]) == 0
    texts = json.loads(out.read_text("utf-8"))
    assert texts and all(set(t) == {"widget", "lang", "text", "rect", "glyph_px"} for t in texts)
    assert {"call_banner", "waiting_board", "window_board"} <= {t["widget"] for t in texts}
    assert all(len(t["rect"]) == 4 and t["glyph_px"] > 0 for t in texts)
    pitch = pixel_pitch_mm(load_hall(LAYOUTS / "zhongshan.yaml").config.screen("main"))
    assert min(t["glyph_px"] for t in texts if any(c.isalnum() for c in t["text"])) * pitch >= 30 - 1e-6


def test_validate_reports_measured_sizes_and_what_it_had_to_do(capsys) -> None:
    assert main(["validate", str(LAYOUTS / "zhongshan.yaml")]) == 0
    out = capsys.readouterr().out
    assert "would be about" not in out  # the estimate is replaced by the measurement
    # the main screen's boards show their rows a page at a time rather than cut them
    assert 'screen "main", waiting_board, en: 8 services paginated into' in out
    assert 'info: screen "main", waiting_board, en: 8 services paginated into' in out  # said, not warned
    assert not any("warning:" in line and "paginated into" in line for line in out.splitlines())
    assert "each page whole, so that every text keeps the minimum size (30 mm)" in out
    assert " cut to stay" not in out and "taller than its box" not in out


@pytest.mark.parametrize("path", HALLS, ids=[p.stem for p in HALLS])
def test_shipped_halls_cut_nothing_and_nothing_is_taller_than_its_box(path: Path) -> None:
    """Issue 16: at the rule's size every fact is there, on a page of its own if need be (the
    map's caption, the way in words under the plan, takes the lines it needs)."""
    config = load_hall(path).config
    m = measure_hall(config, path.parent)
    bad = [f.message() for f in m.findings if f.what == "cut" or f.what.startswith("taller")]
    assert not bad, bad
    assert all(f.severity == "info" for f in m.findings if f.what.startswith("paginated"))


def test_validate_falls_back_to_the_estimate_without_pygame(monkeypatch, capsys) -> None:
    import signage.display.measure as measure

    monkeypatch.setattr(measure, "start_pygame", lambda: "no video device")
    from signage import cli_config

    monkeypatch.setattr(cli_config, "_MEASURED", {})
    assert main(["validate", str(LAYOUTS / "zhongshan.yaml")]) == 0
    assert "text sizes are estimated, not measured" in capsys.readouterr().out


# --- generated halls ---------------------------------------------------------------------------

RESOLUTIONS = [(480, 80), (800, 480), (1024, 600), (1280, 320), (1280, 720), (1366, 768), (1920, 1080),
               (1920, 540), (2560, 1440), (3840, 2160)]
WIDGET_NAMES = ["call_banner", "recent_calls", "window_board", "waiting_board", "process_guide", "ticker",
                "clock", "text", "qr", "map", "directory", "image"]
LONG_EN = ["Exit-entry administration: passports, Hong Kong, Macao and Taiwan travel permits and endorsements",
           "Certificate of no criminal record", "Household registration transfer", "ID"]
LONG_ES = ["Extranjería: pasaportes, permisos de viaje a Hong Kong, Macao y Taiwán y sus visados",
           "Certificado de antecedentes penales", "Traslado del empadronamiento", "DNI"]
LONG_HANT = ["出入境管理：護照、港澳臺通行證及簽注", "戶籍遷移", "無犯罪記錄證明", "身份證"]
COVERED = {"halls": 0, "screens": 0, "renders": 0}


@st.composite
def halls(draw) -> dict:
    n_floors = draw(st.integers(1, 4))
    n_windows = draw(st.integers(3, 30))
    # every language a catalogue is shipped for (es, zh-TW, zh-HK too), not a list written here
    langs = draw(st.lists(st.sampled_from(catalogue_tags()), min_size=1, max_size=3, unique=True))
    n_services = draw(st.integers(1, 6))
    floors = [{"id": f"{k + 1}F", "level": k + 1, "name": {"zh-Hans": f"{k + 1}楼", "en": f"Floor {k + 1}"},
               "outline": [[0, 0], [30, 0], [30, 12], [0, 12]],
               "points": [{"id": f"entrance-{k}", "kind": "entrance", "position": [15, 0],
                           "name": {"zh-Hans": "入口", "en": "Entrance"}},
                          {"id": f"toilet-{k}", "kind": "toilet", "position": [2, 6]}]}
              for k in range(n_floors)]
    services = []
    for k in range(n_services):
        en = draw(st.sampled_from(LONG_EN))
        name = {"zh-Hans": ["身份证办理", "出入境管理：护照、港澳台通行证及签注", "户籍迁移", "无犯罪记录证明"][k % 4],
                "zh-Hant": draw(st.sampled_from(LONG_HANT)), "en": en, "es": draw(st.sampled_from(LONG_ES))}
        svc = {"id": f"s{k}", "prefix": "ABCDEF"[k], "group": "g", "minutes": 5, "name": name,
               "guide": {"steps": [{"zh-Hans": "取号等候叫号", "en": "Take a ticket and wait to be called"}],
                         "materials": [{"zh-Hans": "身份证原件", "en": "Your original resident identity card"}]}}
        if draw(st.booleans()):
            svc["short"] = {"zh-Hans": "业务" + str(k), "en": f"Service {k}"}
        services.append(svc)
    labelled = draw(st.booleans())
    windows = []
    for k in range(n_windows):
        w = {"number": k + 1, "services": "all", "floor": floors[k % n_floors]["id"],
             "position": [1 + k % 28, 11]}
        if labelled and k % 2 == 0:
            w["label"] = {"zh-Hans": f"{k + 1}号综合服务窗口", "zh-Hant": f"{k + 1}號綜合服務窗口",
                          "en": f"Window {k + 1}: general services and enquiries",
                          "es": f"Ventanilla {k + 1}: servicios generales e información"}
        windows.append(w)
    screens = []
    for k in range(draw(st.integers(1, 3))):
        w, h = draw(st.sampled_from(RESOLUTIONS))
        portrait = draw(st.booleans())
        widgets = draw(st.lists(st.sampled_from(WIDGET_NAMES), min_size=1, max_size=4, unique=True))
        share = 100 / len(widgets)
        regions = []
        for i, name in enumerate(widgets):
            opts = {"text": {"text": {"zh-Hans": "请保管好随身物品", "en": "Please look after your belongings at all times"}},
                    "qr": {"data": "https://example.org/guide"}, "image": {"path": "missing.png"}}.get(name, {})
            rect = [0, round(i * share, 3), 100, round(share, 3)] if portrait or h > w else \
                [round(i * share, 3), 0, round(share, 3), 100]
            regions.append({"widget": name, "rect": rect, "options": opts})
        screens.append({"id": f"screen-{k}", "kind": "main", "resolution": [w, h],
                        "orientation": "portrait" if portrait else "landscape",
                        "diagonal_inches": draw(st.sampled_from([10, 24, 43, 55, 75, 86])),
                        "viewing_distance_m": draw(st.sampled_from([1, 3, 6, 12, 20])),
                        "floor": floors[0]["id"], "position": [15, 6], "facing": 180,
                        "languages": langs, "regions": regions})
    return {"format": 1,
            "hall": {"id": "generated", "name": {"zh-Hans": "生成的大厅", "zh-Hant": "生成的大廳",
                                                 "en": "A generated hall with a rather long English name"},
                     "languages": langs, "hours": [{"open": "09:00", "close": "17:00"}]},
            "groups": [{"id": "g", "name": {"zh-Hans": "业务", "en": "Services"}}],
            "services": services, "windows": windows, "floors": floors, "screens": screens}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(halls())
def check_generated_halls(hall: dict) -> None:
    result = load_hall_text(yaml.safe_dump(hall, allow_unicode=True, sort_keys=False), "generated.yaml")
    if result.config is None:  # a hall the format refuses: the errors point at something
        assert result.errors and all(p.path or p.line for p in result.errors), [str(p) for p in result.errors]
        return
    config = result.config
    m = measure_hall(config, steps=6)
    assert not m.failed, m.failed  # every widget of every screen drew in every language
    COVERED["halls"] += 1
    COVERED["screens"] += m.screens
    COVERED["renders"] += sum(len(s.languages or config.hall.languages) for s in config.screens)
    below = [f.message() for f in m.findings if f.what == "below the rule"]
    assert not below, below
    for f in m.findings:  # every warning names its screen, widget and language
        assert f.screen and f.lang and f.widget is not None
    print(f"generated halls so far: {COVERED}")


def test_generated_halls_validate_render_and_keep_to_the_rule() -> None:
    check_generated_halls()
    print(f"generated halls: {COVERED['halls']} halls, {COVERED['screens']} screens, "
          f"{COVERED['renders']} screen-language renders")
    assert COVERED["halls"] >= 5


# --- map labels never overlap (issue 16, item 8) ----------------------------------------------------

def map_overlaps(records: list[dict], events: list[tuple] = ()) -> list[tuple[str, str]]:
    """Pairs of texts drawn by the map widget in one frame whose ink rects overlap (by more
    than two pixels each way: the rounding of a blit). A text the renderer had to cut or let
    out of its box to keep the minimum size is left out: validation reports it already."""
    noted = {e[2] for e in events if e[0] == "map" and (e[3] == "cut" or e[3].startswith("taller"))}
    rects = [(r["text"], pygame.Rect(r["rect"])) for r in records if r["widget"] == "map"
             and r["text"] not in noted and not r["text"].endswith("…")]
    out = []
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            clip = ra.clip(rb)
            if clip.width > 2 and clip.height > 2:
                out.append((a, b))
    return out


def check_map_labels(config, steps: int = 1) -> int:
    """Every screen with a map, in each of its languages, a frame at a time: no two texts of
    the map (names, window numbers, legend, title, caption) overlap."""
    from signage.display.measure import open_time

    checked = 0
    for screen in config.screens:
        if not any(r.widget == "map" for r in screen.regions):
            continue
        for lang in dict.fromkeys(screen.languages or config.hall.languages or ["zh-Hans"]):
            for k in range(steps):
                records, events, _ = render_texts(config, screen.id, lang, now=open_time(config) + k * 11, steps=1)
                overlaps = map_overlaps(records, events)
                assert not overlaps, (screen.id, lang, overlaps[:5])
                checked += 1
    return checked


@pytest.mark.parametrize("path", HALLS, ids=[p.stem for p in HALLS])
def test_shipped_map_labels_do_not_overlap(path: Path) -> None:
    check_map_labels(load_hall(path).config, steps=2)


MAP_COVERED = {"halls": 0, "renders": 0, "tiles": 0, "labels": 0}
MAP_FOUND: list[tuple] = []


def tile_number(text: str) -> bool:
    """A window's numbered tile on the plan (its number alone): counted apart."""
    return text.isdigit()


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(halls())
def check_generated_map_labels(hall: dict) -> None:
    from signage.display.measure import open_time

    result = load_hall_text(yaml.safe_dump(hall, allow_unicode=True, sort_keys=False), "generated.yaml")
    if result.config is None:
        return
    config = result.config
    MAP_COVERED["halls"] += 1
    for screen in config.screens:
        if not any(r.widget == "map" for r in screen.regions):
            continue
        for lang in dict.fromkeys(screen.languages or config.hall.languages or ["zh-Hans"]):
            records, events, _ = render_texts(config, screen.id, lang, now=open_time(config), steps=1)
            MAP_COVERED["renders"] += 1
            for a, b in map_overlaps(records, events):
                if tile_number(a) and tile_number(b):
                    MAP_COVERED["tiles"] += 1
                else:  # a name, the legend, the title or the caption over something else
                    MAP_COVERED["labels"] += 1
                    MAP_FOUND.append((screen.id, screen.resolution, lang, a, b))


def run_generated_map_labels() -> dict:
    if not MAP_COVERED["halls"]:
        check_generated_map_labels()
        print(f"generated halls: {MAP_COVERED['halls']} halls, {MAP_COVERED['renders']} map renders; overlapping "
              f"window tiles: {MAP_COVERED['tiles']}, labels overlapping a text: {MAP_COVERED['labels']} {MAP_FOUND[:5]}")
    return MAP_COVERED


def test_generated_halls_map_labels_do_not_overlap() -> None:
    """No name, legend entry, title or caption of a map overlaps another text of it."""
    covered = run_generated_map_labels()
    assert covered["renders"] >= 1
    assert covered["labels"] == 0 and covered["tiles"] == 0, (covered, MAP_FOUND[:5])
