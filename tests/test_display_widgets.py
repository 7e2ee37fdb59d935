"""Every widget drawn to a PNG and checked by its pixels, at every size from a 480x80 strip to 4K."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygame
import pytest

from signage.config import load_hall
from signage.config.model import HallConfig
from signage.display.preview import preview_time
from signage.display.renderer import Renderer
from signage.display.text import TextRenderer
from signage.view import HallView, sample_view

from conftest import LAYOUTS

NOW = preview_time()
SIZES = [(480, 80), (800, 480), (1280, 320), (1080, 1920), (1920, 1080), (3840, 2160)]
OPTIONS = {
    "text": {"text": {"zh-Hans": "欢迎来到钟山派出所，请取号后在等候区就座", "en": "Welcome: take a ticket and have a seat"}},
    "image": {"path": "no-such-logo.png"},
    "qr": {"data": "https://gaj.xm.gov.cn/bszn/sfz", "caption": {"zh-Hans": "扫码预约", "en": "Book online"}},
}
WIDGETS = ["call_banner", "recent_calls", "window_board", "waiting_board", "process_guide", "ticker", "clock",
           "text", "image", "qr", "map", "directory"]

pygame.display.init()


@dataclass
class Drawn:
    target: pygame.Surface
    text: str
    lang: str
    box: pygame.Rect
    color: tuple
    px: int
    ink: pygame.Rect  # where the ink went (before any clipping by the surface)


class Recorder(TextRenderer):
    """A text renderer that remembers every line it drew and where."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[Drawn] = []
        self._ink = pygame.Rect(0, 0, 0, 0)

    def place(self, ink, box, px, align="center", baseline=None):
        x, top = super().place(ink, box, px, align, baseline)
        self._ink = pygame.Rect(x, top, ink.width, ink.height)
        return x, top

    def draw(self, target, text, lang, box, color, max_px, **kw):
        px = kw.get("px") or self.fit(text, lang, box.width, box.height, max_px, kw.get("min_px", 6),
                                      kw.get("bold", True))
        rect = super().draw(target, text, lang, box, color, max_px, **kw)
        if text.strip():
            self.log.append(Drawn(target, text, lang, pygame.Rect(box), tuple(color), int(px), self._ink.copy()))
        return rect

    def find(self, text: str) -> list[Drawn]:
        return [d for d in self.log if d.text == text]


def zhongshan() -> HallConfig:
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    assert config is not None
    return config


def one_widget(config: HallConfig, widget: str, size: tuple[int, int], options: dict | None = None,
               screen_id: str = "main", **fields) -> HallConfig:
    """The hall with one screen showing only ``widget``, full screen, at ``size``."""
    base = config.screen(screen_id)
    w, h = size
    screen = base.model_copy(update={
        "resolution": (w, h), "orientation": "portrait" if h > w else "landscape",
        "regions": [base.regions[0].model_copy(update={
            "widget": widget, "rect": (0, 0, 100, 100), "options": options or OPTIONS.get(widget, {})})],
        **fields})
    return config.model_copy(update={"screens": [screen]})


def draw(config: HallConfig, screen_id: str = "main", view: HallView | None = None, lang: str = "zh-Hans",
         t: float = 1000.0) -> tuple[Renderer, Recorder]:
    text = Recorder()
    view = view or sample_view(config, NOW)
    view.config = config
    r = Renderer(config, screen_id, lang=lang, text=text)
    r.frame(view, NOW, t)
    assert not r.failed(), r.failed()
    return r, text


def opaque_pixels(text: str, lang: str, px: int, color: tuple) -> int:
    surface, _ = TextRenderer().font(lang).render(text, color, size=px)
    return pygame.mask.from_surface(surface, 254).count()


def color_pixels(surface: pygame.Surface, rect: pygame.Rect, color: tuple) -> int:
    rect = rect.clip(surface.get_rect())
    if not rect.width or not rect.height:
        return 0
    return pygame.mask.from_threshold(surface.subsurface(rect), color, (1, 1, 1, 255)).count()


def assert_text_shown(d: Drawn, surface: pygame.Surface | None = None, offset: tuple[int, int] = (0, 0)) -> None:
    """The line's glyphs are there: its solid pixels, counted in a separate rendering, are on the picture."""
    surface = surface or d.target
    want = opaque_pixels(d.text, d.lang, d.px, d.color)
    got = color_pixels(surface, d.ink.move(offset), d.color)
    assert want > 0 and got >= want * 0.97, (d.text, got, want)


def assert_inside(log: list[Drawn], text: TextRenderer | None = None) -> None:
    """Every line inside its box, unless the legibility rule won over the layout and the
    renderer said so (``text.events``: "taller than its box", "cut", ...)."""
    noted = {e[2] for e in text.events} if text is not None else set()
    for d in log:
        area = d.target.get_rect()
        assert area.contains(d.box), f"{d.text!r}: its box {d.box} leaves its surface {area}"
        if d.text in noted or d.text.endswith("…"):
            continue
        assert d.box.inflate(2, 2).contains(d.ink), f"{d.text!r} ({d.px}px) overflows its box: {d.ink} in {d.box}"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_widget_fits_every_size(size: tuple[int, int], tmp_path: Path) -> None:
    config = zhongshan()
    for widget in WIDGETS:
        c = one_widget(config, widget, size)
        r, text = draw(c, lang="en" if widget == "text" else "zh-Hans")
        assert r.size == (max(size), min(size)) if size[0] > size[1] else r.size == size
        assert_inside(text.log, text)
        if widget not in ("image", "map", "directory", "qr", "ticker"):  # the ticker blits pre-rendered lines
            assert text.log, f"{widget} drew no text at {size}"
        if size == (1920, 1080):
            (tmp_path / f"{widget}.png").write_bytes(r.screenshot_png())


def test_call_banner_shows_the_number_and_window() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    call = view.recent_calls[0]
    r, text = draw(config, view=view)
    banner = r.widget_at("call_banner")
    number = text.find(call.number)
    assert number and number[0].target.get_size() == banner.rect.size
    assert_text_shown(number[0])
    dest = [d for d in text.log if d.target is number[0].target and f"Window {call.window}" in d.text]
    assert dest and f"{call.window}号窗口" in dest[0].text  # always bilingual
    assert_text_shown(dest[0])
    # the same pixels reached the screen
    assert_text_shown(number[0], r.canvas, banner.rect.topleft)
    # the number is the biggest text on the screen
    assert number[0].px == max(d.px for d in text.log)


def test_call_banner_is_bilingual_whatever_the_language(tmp_path: Path) -> None:
    config = zhongshan()
    for lang in ("en", "zh-Hant"):
        view = sample_view(config, NOW)
        r, text = draw(config, view=view, lang=lang)
        call = view.recent_calls[0]
        dest = [d.text for d in text.log if f"Window {call.window}" in d.text]
        zh = "號窗口" if lang == "zh-Hant" else "号窗口"
        assert dest and zh in dest[0]
        (tmp_path / f"main-{lang}.png").write_bytes(r.screenshot_png())


def draw_pages(config: HallConfig, view: HallView, lang: str = "zh-Hans",
               boards: tuple[str, ...] = ("window_board", "waiting_board")) -> tuple[Renderer, Recorder]:
    """The main screen drawn a page apart until each board has shown every page (the boards
    paginate at the legible size): the recorder holds every line drawn over those frames."""
    text = Recorder()
    view.config = config
    r = Renderer(config, "main", lang=lang, text=text)
    r.frame(view, NOW, 1000.0, force=True)
    assert not r.failed(), r.failed()
    for name in boards:
        board = r.widget_at(name)
        period, pages = board.page_seconds, len(board._plan[1].pages)
        for k in range(1, pages):
            r.frame(view, NOW + k * period, 1000.0 + k * period)
            assert not r.failed(), r.failed()
    return r, text


def test_recent_calls_and_window_board_show_the_tickets() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    r, text = draw(config, view=view)
    for call in view.recent_calls[:5]:
        shown = [d for d in text.find(call.number) if d.target.get_size() == r.widget_at("recent_calls").rect.size]
        assert shown, call.number
        assert_text_shown(shown[0])
    # the window board shows every window's ticket and the pause's end, over its pages
    r, text = draw_pages(config, sample_view(config, NOW), boards=("window_board",))
    board = r.widget_at("window_board")
    assert len(board._plan[1].pages) > 1
    tiles = [d for d in text.log if d.target.get_size() == board.rect.size]
    for n, w in view.windows.items():
        if w.ticket:
            assert any(d.text == w.ticket["number"] for d in tiles), n
    paused = [w for w in view.windows.values() if w.state == "paused"]
    assert paused and paused[0].until and any(paused[0].until in d.text for d in tiles)


def test_waiting_board_shows_estimates_and_closed_services() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    view.apply({"type": "estimates", "at": NOW, "services": {
        "id-card": {"waiting": 12, "minutes": 14, "low": 9, "high": 20, "closed_until": None},
        "traffic": {"waiting": 3, "minutes": None, "closed_until": "13:00"},
        "ghost-service": {"waiting": 99, "minutes": 1},
        "passport": {"waiting": "lots", "minutes": "soon"}}}, NOW)
    r, text = draw_pages(config, view, boards=("waiting_board",))
    assert len(r.widget_at("waiting_board")._plan[1].pages) > 1
    texts = [d.text for d in text.log]
    assert "约 9–20 分钟" in texts and "13:00 起办理" in texts and "12" in texts  # the one wording (i18n.wait_text)
    assert not any("99" == t for t in texts)
    _, text = draw_pages(config, view, lang="en", boards=("waiting_board",))
    assert "about 9–20 min" in [d.text for d in text.log]
    assert "closed until 13:00" in [d.text for d in text.log]


def test_waiting_board_count_and_estimate_agree() -> None:
    """The issue's board: "1 waiting · about 0 min", "0 waiting · about 1 min" and "No wait" side by side
    (here over the board's pages)."""
    config = zhongshan()
    view = sample_view(config, NOW)
    ids = [s.id for s in config.services][:3]
    view.waiting.update({ids[0]: 1, ids[1]: 0, ids[2]: 0})
    view.apply({"type": "estimates", "at": NOW, "services": {
        ids[0]: {"waiting": 1, "minutes": 0, "low": 0, "high": 0, "closed_until": None},
        ids[1]: {"waiting": 0, "minutes": 1, "low": 0, "high": 3, "closed_until": None},
        ids[2]: {"waiting": 0, "minutes": 0, "low": 0, "high": 0, "closed_until": None}}}, NOW)
    for lang, one, none in (("en", "about 1 min", "No wait"), ("zh-Hans", "约 1 分钟", "无需等待")):
        r, text = draw_pages(config, view, lang=lang, boards=("waiting_board",))
        board = r.widget_at("waiting_board")
        texts = [d.text for d in text.log if d.target.get_size() == board.rect.size]
        assert texts.count(one) >= 1 and texts.count(none) >= 2, texts
        assert not any("0 min" in t or "约 0 " in t for t in texts)


def test_strip_shows_only_its_window_big() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    for size in [(1280, 320), (480, 80)]:
        strip = config.screen("strip-6")
        c = config.model_copy(update={"screens": [strip.model_copy(update={"resolution": size})]})
        r, text = draw(c, "strip-6", view=view)
        ticket = view.windows[6].ticket["number"]
        assert [d.text for d in text.log if d.text[:1].isalpha() and d.text[1:].isdigit()] == [ticket]
        big = text.find(ticket)[0]
        assert big.px == max(d.px for d in text.log)
        assert big.px >= size[1] * 0.45  # readable at a glance: about half the panel's height
        assert_text_shown(big)
        assert_inside(text.log, text)


def test_process_guide_rotates_and_has_a_qr_code() -> None:
    config = zhongshan()
    c = one_widget(config, "process_guide", (1080, 1920), {"rotate_seconds": 10, "services": ["id-card", "passport"]})
    view = sample_view(c, NOW)
    seen = set()
    for k in range(2):
        text = Recorder()
        r = Renderer(c, "main", lang="zh-Hans", text=text)
        now = (NOW // 20) * 20 + k * 10 + 1  # the two pages, 10 s apart
        r.frame(view, now, 1000.0)
        titles = [d.text for d in text.log if d.text in ("身份证办理", "护照/港澳台通行证")]
        seen.update(titles)
        assert "扫码查看办事指南" in [d.text for d in text.log]
        # the QR code: a black-and-white square of some size
        black = color_pixels(r.canvas, r.canvas.get_rect(), (0, 0, 0))
        assert black > 10000
    assert seen == {"身份证办理", "护照/港澳台通行证"}


def test_ticker_shows_messages_in_every_language_and_follows_schedules() -> None:
    config = zhongshan()
    c = one_widget(config, "ticker", (1920, 120), {"speed": 100})
    view = sample_view(c, NOW)
    ticker = Renderer(c, "main").widget_at("ticker")
    from signage.display.widgets.base import Ctx, Palette
    from signage.config.themes import theme_for

    def texts(now: float) -> list[str]:
        ctx = Ctx(view=view, config=c, screen=c.screens[0], palette=Palette.of(theme_for(c, c.screens[0])),
                  lang="zh-Hans", langs=("zh-Hans", "en"), now=now, t=0.0, text=TextRenderer())
        return [s for s, _ in ticker._compute_texts(ctx)]

    morning = texts(NOW)  # Monday 10:15: the lunch-time notice is not on
    assert "讲文明 树新风" in morning and "Be civil, build new customs" in morning
    assert not any("午间" in s for s in morning)
    assert any("午间" in s for s in texts(NOW + 2.5 * 3600))  # 12:45
    assert not any("午间" in s for s in texts(NOW + 5 * 24 * 3600 + 2.5 * 3600))  # Saturday 12:45


def test_placeholders_and_images_never_fail(tmp_path: Path) -> None:
    config = zhongshan()
    picture = pygame.Surface((200, 100))
    picture.fill((200, 30, 30))
    pygame.image.save(picture, str(tmp_path / "logo.png"))
    c = one_widget(config, "image", (800, 480), {"path": "logo.png"})
    r = Renderer(c, "main", base_dir=tmp_path)
    r.frame(sample_view(c, NOW), NOW, 1000.0)
    assert color_pixels(r.canvas, r.canvas.get_rect(), (200, 30, 30)) > 800 * 480 * 0.4  # contained, centred
    for widget in ("map", "directory"):
        r, text = draw(one_widget(config, widget, (800, 480)))
        assert any("1F" in d.text for d in text.log)


def test_bad_view_never_breaks_a_widget() -> None:
    config = zhongshan()
    view = HallView(config=config)
    for m in [
        {"type": "welcome", "seq": 3, "snapshot": {"windows": {"3": {"state": "paused"}, "99": {"ticket": {"number": "Z9"}}},
                                                   "recent_calls": [{"ticket": {"number": "Q1"}, "window": 42}]}},
        {"type": "estimates", "at": NOW, "services": {"id-card": {"minutes": -3, "low": "x"}, "": {}}},
        {"type": "notice", "notice": {"text": 5, "style": "sideways"}},
        {"type": "messages", "messages": [{"text": None}, {"schedule": {"from": "25:00"}, "text": "x"}]},
    ]:
        view.apply(m, NOW)
    for sid in ("main", "entrance-guide", "strip-6"):
        draw(config, sid, view=view)


def test_call_banner_shows_the_newest_call_at_once_and_never_lags_behind_the_hall() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    r = Renderer(config, "main", text=Recorder())
    banner = r.widget_at("call_banner")
    r.frame(view, NOW, 0.0)
    seq = view.seq

    def call(number: str, window: int, at: float) -> None:
        nonlocal seq
        seq += 1
        view.apply({"type": "event", "seq": seq, "event": {
            "type": "ticket_called", "at": at, "window": window,
            "ticket": {"id": f"id-{number}", "number": number, "service": "id-card", "class": "normal"}}}, at)

    for i, w in enumerate((3, 4, 5)):  # three windows call in the same second: the newest is up at once
        call(f"A{500 + i}", w, NOW)
    r.frame(view, NOW + 0.02, 0.02)
    assert banner.shown.number == "A502" and banner.highlighted(r_at(0.02))
    assert [c.number for c in view.recent_calls[:3]] == ["A502", "A501", "A500"]  # the others: listed at once
    # A rush of 30 calls in 30 s: the banner is never behind
    for i in range(30):
        call(f"B{i:03d}", 3 + i % 3, NOW + 100 + i)
        r.frame(view, NOW + 100 + i, 100 + i)
        assert banner.shown.number == f"B{i:03d}" == view.recent_calls[0].number
    # each new call lights the banner again; it settles highlight_seconds after the last
    assert banner.highlighted(r_at(129 + 11)) and not banner.highlighted(r_at(129 + 12.5))


class r_at:
    def __init__(self, t: float) -> None:
        self.t = t


def test_call_banner_burst_on_a_screen_whose_clock_is_off() -> None:
    """A screen without NTP draws by the hub's clock (``DisplayApp.hall_time``) while the view
    stamps live calls with the machine's own: the newest call is shown and lit all the same."""
    config = zhongshan()
    for offset in (600.0, -600.0):  # the hub's clock ahead of this machine's, then behind it
        view = sample_view(config, NOW)
        r = Renderer(config, "main", text=Recorder())
        banner = r.widget_at("call_banner")
        r.frame(view, NOW + offset, 0.0)
        for i, w in enumerate((3, 4, 5)):
            view.apply({"type": "event", "seq": view.seq + 1, "event": {
                "type": "ticket_called", "at": NOW + offset, "window": w,
                "ticket": {"id": f"id-A{600 + i}", "number": f"A{600 + i}", "service": "id-card",
                           "class": "normal"}}}, NOW)  # local arrival time
        r.frame(view, NOW + offset + 0.25, 0.25)
        assert banner.shown.number == "A602" and banner.highlighted(r_at(0.25)), offset
        r.frame(view, NOW + offset + 15, 15.0)
        assert banner.shown.number == "A602" and not banner.highlighted(r_at(15.0)), offset


# --- pages, and the strip's states in every language (issues 16 and 17) ------------------------------

def far_main(config: HallConfig, **fields) -> HallConfig:
    main = config.screen("main")
    return config.model_copy(update={"screens": [main.model_copy(update=fields)]})


def test_window_board_pages_keep_every_tile_legible_and_show_every_window() -> None:
    from signage.display.measure import render_texts

    config = zhongshan()
    seen, events = set(), []
    board = None
    for k in range(12):  # a frame a page apart
        records, ev, _ = render_texts(config, "main", "en", now=NOW + k * 16, steps=1)
        seen |= {r["text"] for r in records if r["widget"] == "window_board"}
        events += ev
    assert {f"Window {n}" for n in range(1, 12)} <= seen  # every window, over the pages
    assert any(t.endswith("/4") for t in seen)  # the page number
    what = [w for widget, _, _, w in events if widget == "window_board"]
    assert any(w.startswith("paginated into") for w in what)
    assert not any(w == "cut" or w.startswith("taller") for w in what), what
    r, _ = draw(config)
    board = r.widget_at("window_board")
    plan = board._plan[1]
    assert sum(len(p) for p in plan.pages) == 11 and len({len(p) for p in plan.pages}) <= 2  # balanced


def test_waiting_board_pages_show_every_service_at_the_rule() -> None:
    from signage.display.measure import render_texts

    config = zhongshan()
    seen, events = set(), []
    for k in range(8):
        records, ev, _ = render_texts(config, "main", "en", now=NOW + k * 16, steps=1)
        seen |= {r["text"] for r in records if r["widget"] == "waiting_board"}
        events += ev
    assert {s.name["en"] for s in config.services} <= seen
    what = [w for widget, _, _, w in events if widget == "waiting_board"]
    assert not any(w == "cut" or w.startswith("taller") for w in what), what


def test_a_board_that_fits_has_one_page() -> None:
    config = far_main(zhongshan(), viewing_distance_m=3)
    r, text = draw(config)
    assert len(r.widget_at("window_board")._plan[1].pages) == 1
    assert len(r.widget_at("waiting_board")._plan[1].pages) == 1
    assert not any(d.text.endswith("/2") for d in text.log)


def strip_frame(config: HallConfig, screen_id: str, view: HallView, lang: str = "zh-Hans") -> list[tuple[str, str]]:
    r, text = draw(config, screen_id, view=view, lang=lang)
    return [(d.lang, d.text) for d in text.log]


def test_strip_says_a_pause_in_every_language_and_its_reason_once() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    w = view.windows[6]
    w.state, w.ticket, w.reason, w.until = "paused", None, "Lunch", "13:00"
    for lang in ("zh-Hans", "en"):
        drawn = " | ".join(t for _, t in strip_frame(config, "strip-6", view, lang))
        assert drawn.count("Lunch") == 1, drawn  # the reason once
        assert "暂停" in drawn and "Paused until 13:00" in drawn and "暂停至 13:00" in drawn, drawn
    w.until = None
    drawn = " | ".join(t for _, t in strip_frame(config, "strip-6", view))
    assert "暂停" in drawn and "Paused" in drawn and drawn.count("Lunch") == 1, drawn


def test_strip_says_closed_and_open_in_every_language() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    w = view.windows[6]
    w.state, w.ticket = "closed", None
    said = [t for _, t in strip_frame(config, "strip-6", view)]
    assert "暂停服务" in said and any("Closed" in t for t in said), said
    w.state = "open"
    said = [t for _, t in strip_frame(config, "strip-6", view)]
    assert "空闲" in said and any("Open" in t for t in said), said


def test_strip_numbers_the_window_in_each_language_and_adds_the_label() -> None:
    config = zhongshan()
    strip = config.screen("strip-6").model_copy(update={"id": "strip-1", "window": 1})
    config = config.model_copy(update={"screens": [strip]})
    drawn = strip_frame(config, "strip-1", sample_view(config, NOW))
    texts = [t for _, t in drawn]
    assert any(t.startswith("1号窗口") and "爱心服务专窗" in t for t in texts), texts
    assert any(t.startswith("Window 1") and "Priority Care Window" in t for t in texts), texts
    assert not any(t.startswith("1号窗口") and "Priority" in t for t in texts)


def test_pages_are_drawn_once_and_then_blitted() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    view.config = config
    r = Renderer(config, "main", lang="en")
    board = r.widget_at("window_board")
    drawn = []
    real = board.render_tile
    board.render_tile = lambda *a, **k: (drawn.append(a[3]), real(*a, **k))
    period = board.page_seconds
    r.frame(view, NOW, 1000.0, force=True)
    pages = len(board._plan[1].pages)
    assert pages > 1
    for k in range(1, pages):
        r.frame(view, NOW + k * period, 1000.0 + k * period)
    assert sorted(drawn) == sorted(w.number for w in config.windows)  # every tile once
    drawn.clear()
    for k in range(pages, 2 * pages):  # the second round: the same pages, blitted
        r.frame(view, NOW + k * period, 1000.0 + k * period)
    assert drawn == []
    assert board.renders >= 2 * pages - 1  # each page was put on the screen in turn
