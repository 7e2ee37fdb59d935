"""Every language tells the same facts: floor, window label and kind, in each language a screen
shows; ``floors`` keeps a screen to its floor's windows (a two-floor exit-entry hall, zhenhai)."""

from __future__ import annotations

from signage.config.loader import load_hall, load_hall_text
from signage.config.model import HallConfig
from signage.display.renderer import Renderer
from signage.view import HallView, sample_view

from test_display_widgets import LAYOUTS, NOW, Recorder

ZHENHAI = LAYOUTS / "zhenhai.yaml"
LANGS = ["zh-Hans", "zh-Hant", "en"]


def zhenhai(languages: list[str] = LANGS, text: str | None = None) -> HallConfig:
    result = load_hall_text(text, str(ZHENHAI)) if text is not None else load_hall(ZHENHAI)
    assert result.config is not None, [str(p) for p in result.problems]
    c = result.config
    return c.model_copy(update={"hall": c.hall.model_copy(update={"languages": languages})})


def call(view: HallView, number: str, window: int, at: float = NOW) -> None:
    view.apply({"type": "event", "seq": view.seq + 1, "event": {
        "type": "ticket_called", "at": at, "window": window,
        "ticket": {"id": f"id-{number}", "number": number, "service": "passport", "class": "normal"}}}, at)


def frame(config: HallConfig, screen: str, view: HallView, lang: str) -> tuple[Renderer, Recorder]:
    text = Recorder()
    r = Renderer(config, screen, lang=lang, text=text)
    r.frame(view, NOW, 0.0)
    return r, text


def texts_of(r: Renderer, text: Recorder, widget: str) -> list[tuple[str, str]]:
    size = r.widget_at(widget).rect.size
    return [(d.lang, d.text) for d in text.log if d.target.get_size() == size]


def test_the_banner_says_the_floor_in_every_language_in_the_halls_order() -> None:
    config = zhenhai()
    view = sample_view(config, NOW)
    call(view, "G001", 7)  # window 7 is upstairs; main-1f is on the ground floor
    for lang in LANGS:  # whatever the language turn, the banner shows all three
        r, text = frame(config, "main-1f", view, lang)
        drawn = " ".join(t for _, t in texts_of(r, text, "call_banner"))
        assert "G001" in drawn
        # the arrow says the floor in the first line; the others say it in words
        assert "2F ↑ 7号窗口" in drawn and "7號窗口（2F）" in drawn and "Window 7, 2F" in drawn, drawn
        assert drawn.index("7号窗口") < drawn.index("7號窗口") < drawn.index("Window 7")
        # Simplified and Traditional are each drawn in their own face
        langs = dict((t, l) for l, t in texts_of(r, text, "call_banner"))
        assert langs.get("7號窗口（2F）") == "zh-Hant" and langs.get("Window 7, 2F") == "en"
    # a hall in English first: English leads
    config = zhenhai(["en", "zh-Hans"])
    view = sample_view(config, NOW)
    call(view, "G001", 7)
    r, text = frame(config, "main-1f", view, "en")
    drawn = " ".join(t for _, t in texts_of(r, text, "call_banner"))
    assert drawn.index("Window 7") < drawn.index("7号窗口") and "zh-Hant" not in {l for l, _ in texts_of(r, text, "call_banner")}


def test_recent_calls_say_the_floor_in_english_too() -> None:
    config = zhenhai()
    view = sample_view(config, NOW)
    call(view, "G001", 7)
    for lang, where in (("zh-Hans", "7号窗口（2F）"), ("zh-Hant", "7號窗口（2F）"), ("en", "Window 7, 2F")):
        r, text = frame(config, "wayfinding-1f", view, lang)
        rows = [t for _, t in texts_of(r, text, "recent_calls")]
        assert "G001" in rows and any(t.endswith(where) for t in rows), (lang, rows)
    # on the floor of the window there is no floor to say
    r, text = frame(config, "main-2f", view, "en")
    rows = [t for _, t in texts_of(r, text, "recent_calls")]
    assert any(t.endswith("Window 7") for t in rows) and not any("2F" in t for t in rows), rows


def test_window_tiles_show_the_label_or_the_kind_in_the_language_shown() -> None:
    config = zhenhai()
    view = sample_view(config, NOW)
    for lang, labels in (("zh-Hans", ("爱心服务专窗", "绿色通道", "办不成事反映窗口")),
                         ("zh-Hant", ("愛心服務專窗", "綠色通道", "辦不成事反映窗口")),
                         ("en", ("Priority Care Window", "Green Channel (urgent travel)", "Unresolved Problems Window"))):
        r, text = frame(config, "main-1f", view, lang)
        tiles = [t for _, t in texts_of(r, text, "window_board")]
        for label in labels:
            assert label in tiles, (lang, label, tiles)
    # a love window without a label says what it is
    windows = [w.model_copy(update={"label": None}) if w.number == 1 else w for w in config.windows]
    bare = config.model_copy(update={"windows": windows})
    for lang, kind in (("zh-Hans", "爱心服务窗口"), ("en", "Priority care window")):
        r, text = frame(bare, "main-1f", sample_view(bare, NOW), lang)
        assert kind in [t for _, t in texts_of(r, text, "window_board")]


def test_the_strip_shows_its_label_and_state_in_every_language() -> None:
    config = zhenhai()
    view = sample_view(config, NOW)
    for lang in LANGS:
        r, text = frame(config, "strip-1", view, lang)
        drawn = texts_of(r, text, "window_board")
        assert ("zh-Hans", "1号窗口  爱心服务专窗") in drawn
        assert ("zh-Hant", "1號窗口  愛心服務專窗") in drawn
        assert ("en", "Window 1  Priority Care Window") in drawn
        said = {t for _, t in drawn}
        state = view.window_view(1)
        if state.ticket:
            assert {"办理中", "辦理中", "Serving"} <= said or {"请前往", "請前往", "Called"} <= said, said
    view.apply({"type": "event", "seq": view.seq + 1, "event": {"type": "window_closed", "window": 1, "at": NOW}}, NOW)
    r, text = frame(config, "strip-1", view, "zh-Hans")
    said = [t for _, t in texts_of(r, text, "window_board")]
    assert "暂停服务" in said and "暫停服務  Closed" in said, said  # English says it is closed too


def test_floors_keeps_a_screen_to_its_floors_windows() -> None:
    text = ZHENHAI.read_text(encoding="utf-8")
    text = text.replace("{widget: call_banner, rect: [0, 0, 55, 40], options: {highlight_seconds: 12, show_arrow: true}}",
                        "{widget: call_banner, rect: [0, 0, 55, 40], options: {highlight_seconds: 12, floors: [2F]}}")
    text = text.replace("{widget: recent_calls, rect: [55, 0, 45, 40], options: {count: 4}}",
                        "{widget: recent_calls, rect: [55, 0, 45, 40], options: {count: 4, floors: [2F]}}")
    text = text.replace("options: {windows: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], columns: 4}",
                        "options: {floors: [2F], columns: 4}")
    assert text.count("floors: [2F]") == 3
    config = zhenhai(text=text)
    view = sample_view(config, NOW)
    call(view, "G001", 7)
    call(view, "H002", 1)  # the ground floor's love window calls last
    r, drawn = frame(config, "main-2f", view, "en")
    banner, recent, board = (r.widget_at(n) for n in ("call_banner", "recent_calls", "window_board"))
    assert banner.shown.number == "G001"  # the newest call upstairs, not H002
    assert "H002" not in [t for _, t in texts_of(r, drawn, "recent_calls")]
    assert [t for _, t in texts_of(r, drawn, "recent_calls")][1] == "G001"  # after the title
    assert board.numbers() == [w.number for w in config.windows if w.floor == "2F"]
    assert "Window 1" not in [t for _, t in texts_of(r, drawn, "window_board")]
    # the ground floor's screen without the option still shows every call
    r, drawn = frame(config, "main-1f", view, "en")
    assert r.widget_at("call_banner").shown.number == "H002"


def test_an_unknown_floor_is_pointed_at_with_a_guess() -> None:
    text = ZHENHAI.read_text(encoding="utf-8").replace(
        "{widget: recent_calls, rect: [55, 0, 45, 40], options: {count: 4}}",
        "{widget: recent_calls, rect: [55, 0, 45, 40], options: {count: 4, floors: [2f, 9F]}}")
    result = load_hall_text(text, "zhenhai.yaml")
    errors = [str(p) for p in result.problems if p.severity == "error"]
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "floors: [2f, 9F]" in x)
    assert f'zhenhai.yaml:{line}: screens[0].regions[1].options.floors[0]: unknown floor "2f" (expected one of: 1F, 2F; did you mean "2F"?)' in errors, errors
    assert any('options.floors[1]: unknown floor "9F" (expected one of: 1F, 2F' in e for e in errors), errors
    # a window listed on a board that its floors leave out is a warning
    text = ZHENHAI.read_text(encoding="utf-8").replace(
        "options: {windows: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], columns: 4}",
        "options: {windows: [5, 6, 7], floors: [2F], columns: 4}")
    warnings = [str(p) for p in load_hall_text(text, "zhenhai.yaml").problems if p.severity == "warning"]
    assert any("options.windows[0]: warning: window 5 is on 1F, not on floors 2F: it is not shown" in w
               for w in warnings), warnings


def test_the_widget_models_know_the_option() -> None:
    from signage.config.widgets import WIDGET_OPTIONS

    for name in ("call_banner", "recent_calls", "window_board"):
        assert WIDGET_OPTIONS[name].model_validate({"floors": ["2F"]}).floors == ["2F"]
        assert "floors" in WIDGET_OPTIONS[name].model_json_schema()["properties"]
