"""The frame loop's side: cached widgets, few rectangles, calls in turn, badge, notices, scrolling."""

from __future__ import annotations

import io

import pygame

from signage.config.themes import theme_for
from signage.display.renderer import Renderer
from signage.display.widgets.base import Palette
from signage.view import HallView, sample_view

from test_display_widgets import NOW, Recorder, color_pixels, zhongshan

T0 = 1000.0


def call(view: HallView, number: str, window: int, kind: str = "ticket_called", at: float = NOW, **extra) -> None:
    """A live call made and received at ``at`` (wall clock)."""
    view.apply({"type": "event", "seq": view.seq + 1, "event": {
        "type": kind, "at": at, "window": window,
        "ticket": {"id": f"id-{number}", "number": number, "service": "id-card", "class": "normal"}, **extra}}, at)


def setup(screen: str = "main", **kw) -> tuple[Renderer, HallView, Palette]:
    config = zhongshan()
    view = sample_view(config, NOW)
    r = Renderer(config, screen, lang="zh-Hans", **kw)
    r.frame(view, NOW, T0)
    return r, view, Palette.of(theme_for(config, config.screen(screen)))


def lit_share(r: Renderer, p: Palette) -> float:
    banner = r.widget_at("call_banner").rect
    return color_pixels(r.canvas, banner, p.highlight) / (banner.width * banner.height)


def test_a_quiet_frame_redraws_only_the_ticker() -> None:
    r, view, _ = setup()
    renders = {w.name: w.renders for w in r.widgets}
    dirty = r.frame(view, NOW + 0.02, T0 + 0.02)
    ticker = r.widget_at("ticker").rect
    assert len(dirty) == 1 and ticker.contains(dirty[0])
    assert {w.name: w.renders for w in r.widgets} == renders  # nothing re-rendered: cached pictures


def test_a_new_call_redraws_what_shows_calls(tmp_path) -> None:
    r, view, p = setup()
    clock_renders = r.widget_at("waiting_board").renders
    before = r.widget_at("call_banner").renders
    call(view, "A077", 3)
    dirty = r.frame(view, NOW + 0.05, T0 + 0.05)
    for name in ("recent_calls", "window_board"):
        w = r.widget_at(name)
        assert any(d.contains(w.rect) for d in dirty), name
    assert r.widget_at("call_banner").renders == before  # the sample's newest call is still up...
    r.frame(view, NOW + 4.1, T0 + 4.1)
    assert r.widget_at("call_banner").shown.number == "A077"  # ...A077 follows after its turn
    assert r.widget_at("waiting_board").renders == clock_renders + 1  # one ticket less waiting
    (tmp_path / "after-call.png").write_bytes(r.screenshot_png())


def test_highlight_then_settle_and_recall_shows_again() -> None:
    r, view, p = setup()
    assert lit_share(r, p) > 0.3  # the sample's newest call arrived just now
    r.frame(view, NOW + 13, T0 + 13)  # zhongshan: highlight_seconds 12
    assert lit_share(r, p) < 0.01
    shown = r.widget_at("call_banner").shown
    call(view, shown.number, shown.window, "ticket_recalled", count=1)
    text = Recorder()
    r.text = text
    r.frame(view, NOW + 14, T0 + 14)
    assert lit_share(r, p) > 0.3
    assert any("再次叫号" in d.text for d in text.log)


def test_several_calls_in_one_second_are_all_shown_in_turn() -> None:
    r, view, _ = setup()
    r.frame(view, NOW + 20, T0 + 20)  # the sample's call has settled
    for i, number in enumerate(("A101", "B202", "C303")):
        call(view, number, 3 + i, at=NOW + 20)
    shown = []
    for k in range(0, 200):
        t = T0 + 20 + k * 0.1
        r.frame(view, NOW + t - T0, t)
        number = r.widget_at("call_banner").shown.number
        if not shown or shown[-1] != number:
            shown.append(number)
    assert shown == ["A101", "B202", "C303"]


def test_a_replay_after_reconnect_is_not_flashed() -> None:
    r, view, p = setup()
    r.frame(view, NOW + 20, T0 + 20)
    # the screen was away: the hub replays two calls it missed
    seq = view.seq
    view.apply({"type": "welcome", "v": 1, "hall": "zhongshan", "role": "screen", "seq": seq + 2, "replay": True}, NOW)
    call(view, "D401", 6)
    call(view, "D402", 7)
    r.frame(view, NOW + 21, T0 + 21)
    assert r.widget_at("call_banner").shown.number == "D402"  # the newest, settled
    assert lit_share(r, p) < 0.01


def test_offline_badge_after_a_grace_and_the_picture_stays() -> None:
    r, view, p = setup()
    banner = r.widget_at("call_banner").rect
    before = pygame.image.tobytes(r.canvas.subsurface(banner), "RGB")
    top_right = pygame.Rect(r.size[0] * 3 // 4, 0, r.size[0] // 4, r.size[1] // 10)
    r.frame(view, NOW + 1, T0 + 1, connected=False)
    r.frame(view, NOW + 2, T0 + 2, connected=False)
    assert color_pixels(r.canvas, top_right, p.warning) == 0  # a blip: no badge yet
    r.frame(view, NOW + 5, T0 + 5, connected=False)
    assert color_pixels(r.canvas, top_right, p.warning) > 1000
    # the last good picture stays up around the badge
    assert pygame.image.tobytes(r.canvas.subsurface(banner), "RGB") == before
    r.frame(view, NOW + 6, T0 + 6, connected=True)
    assert color_pixels(r.canvas, top_right, p.warning) == 0
    assert pygame.image.tobytes(r.canvas.subsurface(banner), "RGB") == before


def test_urgent_notices_banner_and_fullscreen(tmp_path) -> None:
    r, view, p = setup()
    text = Recorder()
    r.text = text
    view.apply({"type": "notice", "notice": {"text": {"zh-Hans": "今日16:00提前闭厅", "en": "Closing at 16:00 today"},
                                             "style": "banner"}}, NOW)
    dirty = r.frame(view, NOW + 1, T0 + 1)
    assert dirty == [r.canvas.get_rect()]
    band = r.notice.rect(view.notice)
    assert band.bottom == r.size[1] and color_pixels(r.canvas, band, p.warning) > band.width * band.height * 0.3
    assert any("16:00" in d.text for d in text.log)
    assert lit_share(r, p) > 0.3  # the call banner stays visible
    (tmp_path / "notice-banner.png").write_bytes(r.screenshot_png())
    # the ticker under the band is not drawn on top of it
    r.frame(view, NOW + 1.5, T0 + 1.5)
    assert color_pixels(r.canvas, band, p.warning) > band.width * band.height * 0.3
    view.apply({"type": "notice", "notice": {"text": {"zh-Hans": "系统维护，暂停叫号"}, "style": "fullscreen",
                                             "screens": ["main"]}}, NOW)
    text.log.clear()
    r.frame(view, NOW + 2, T0 + 2)
    newest = view.recent_calls[0].number
    assert any(newest in d.text for d in text.log)  # calls are still shown during a notice
    assert lit_share(r, p) < 0.01
    (tmp_path / "notice-fullscreen.png").write_bytes(r.screenshot_png())
    view.apply({"type": "notice", "notice": None}, NOW)
    r.frame(view, NOW + 3, T0 + 3)
    assert color_pixels(r.canvas, band, p.warning) < band.width * band.height * 0.05
    # a notice for other screens leaves this one alone
    view.apply({"type": "notice", "notice": {"text": "x", "style": "fullscreen", "screens": ["strip-6"]}}, NOW)
    assert r.frame(view, NOW + 3.1, T0 + 3.1) != [r.canvas.get_rect()]


def test_the_ticker_scrolls_by_time_at_constant_speed() -> None:
    r, view, _ = setup()
    ticker = r.widget_at("ticker")
    area = ticker.inner(0.0).move(ticker.rect.topleft)
    speed = ticker.speed()
    assert speed == 120  # pixels per second at 1080 lines
    r.frame(view, NOW, T0 + 10.0)
    a = r.canvas.subsurface(area).copy()
    r.frame(view, NOW, T0 + 10.25)  # 30 pixels later, however many frames were drawn
    b = r.canvas.subsurface(area).copy()
    shift = int(speed * 0.25)
    w, h = area.size
    left = pygame.image.tobytes(a.subsurface((shift, 0, w - shift, h)), "RGB")
    right = pygame.image.tobytes(b.subsurface((0, 0, w - shift, h)), "RGB")
    assert left == right and a.get_at((w // 2, h // 2)) is not None
    assert pygame.image.tobytes(a, "RGB") != pygame.image.tobytes(b, "RGB")


def test_languages_turn_and_the_banner_stays_bilingual() -> None:
    config = zhongshan()
    view = sample_view(config, NOW)
    r = Renderer(config, "main")
    start = (NOW // 16) * 16  # main: [zh-Hans, en] every 8 s
    assert r.lang_at(start) == "zh-Hans" and r.lang_at(start + 8) == "en" and r.lang_at(start + 16) == "zh-Hans"
    r.frame(view, start, T0)
    renders = {w.name: w.renders for w in r.widgets}
    r.frame(view, start + 8.01, T0 + 0.02)
    assert r.widget_at("recent_calls").renders == renders["recent_calls"] + 1
    assert r.widget_at("call_banner").renders == renders["call_banner"]  # bilingual: nothing to redo


def test_render_budget_spreads_a_costly_change() -> None:
    r, view, _ = setup(render_budget=1)
    r.frame(view, NOW + 20, T0 + 20)
    call(view, "A088", 4)
    r.frame(view, NOW + 20.02, T0 + 20.02)
    assert r.widget_at("call_banner").shown.number == "A088" and not r.widget_at("call_banner").stale
    stale = [w.name for w in r.widgets if w.stale]
    assert stale  # the others wait their turn...
    for k in range(1, 6):
        r.frame(view, NOW + 20.02 + k / 60, T0 + 20.02 + k / 60)
    assert not any(w.stale for w in r.widgets)  # ...for a few frames only


def test_portrait_and_screenshot() -> None:
    r, view, _ = setup("entrance-guide")
    assert r.size == (1080, 1920)
    png = r.screenshot_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert pygame.image.load(io.BytesIO(png)).get_size() == (1080, 1920)


def test_a_new_hall_file_relays_the_screen() -> None:
    r, view, _ = setup()
    config = zhongshan()
    screen = config.screen("main")
    regions = [screen.regions[0].model_copy(update={"rect": (0, 0, 100, 100)})]
    new = config.model_copy(update={"screens": [screen.model_copy(update={"regions": regions})]})
    view.config = new
    dirty = r.frame(view, NOW + 1, T0 + 1)
    assert dirty == [r.canvas.get_rect()] and [w.name for w in r.widgets] == ["call_banner"]
