"""The frame loop's side: cached widgets, few rectangles, calls in turn, badge, notices, scrolling."""

from __future__ import annotations

import io

import pygame

from signage.config.themes import theme_for
from signage.display.renderer import HOLD_SECONDS, Renderer
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


class r_ctx_t:
    """Just the time a widget's ``highlighted`` looks at."""

    def __init__(self, t: float) -> None:
        self.t = t


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
    board = r.widget_at("window_board")
    window = board.shown_key[0][0][0]  # a window on the board's page now (its key: the tiles' states first)
    call(view, "A077", window)
    dirty = r.frame(view, NOW + 0.05, T0 + 0.05)
    for name in ("recent_calls", "window_board"):
        w = r.widget_at(name)
        assert any(d.contains(w.rect) for d in dirty), name
    banner = r.widget_at("call_banner")  # the banner is up to date in the same frame: A077 at once
    assert banner.renders == before + 1 and banner.shown.number == "A077" and banner.highlighted(r_ctx_t(T0 + 0.05))
    waiting = r.widget_at("waiting_board")  # one ticket less waiting (when its page shows that service)...
    assert waiting.renders <= clock_renders + 1 and not waiting.stale and not waiting.waiting  # ...same frame
    assert not r.holding and all(not w.stale for w in r.widgets)
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


class States:
    """Which states of the hall (``view.seq``) the picture each widget has on the canvas is
    right for, frame after frame: a picture drawn at a state is right for the later ones as
    long as the widget's inputs stay the same (it is neither drawn again nor stale when the
    state changes; a stale picture at the same state waits for the time or the language)."""

    def __init__(self, r: Renderer, state: int) -> None:
        self.r = r
        self.widgets = [w for w in r.widgets if w.draws_ahead]
        self.renders = {w.name: w.renders for w in self.widgets}
        self.newest: dict[str, set[int]] = {w.name: {state} for w in self.widgets}
        self.shown: dict[str, set[int]] = dict(self.newest)
        self.last = state

    def after(self, state: int) -> set[int]:
        """Call after each frame; the states every widget on the canvas is right for (one
        state per frame: never empty), and checks the canvas shows those pictures."""
        for w in self.widgets:
            if w.renders != self.renders[w.name]:  # a new picture: right for this state
                self.renders[w.name], self.newest[w.name] = w.renders, {state}
            elif not w.stale or state == self.last:
                self.newest[w.name].add(state)
            if not w.waiting:
                self.shown[w.name] = self.newest[w.name]
            shown = w._onscreen
            assert shown is not None
            if w.rect.collidelist([rect for surface, rect in self.r._overlay_surfaces if surface]) < 0:
                assert pygame.image.tobytes(self.r.canvas.subsurface(w.rect), "RGB") == \
                    pygame.image.tobytes(shown, "RGB"), w.name  # (a notice over it: not all of it shows)
        self.last = state
        common = set.intersection(*self.shown.values())
        assert common, {name: sorted(v)[-3:] for name, v in self.shown.items()}
        return common


def test_one_state_per_frame_through_a_burst_of_calls() -> None:
    """Every frame shows one state of the hall: the banner's call is the newest the canvas
    shows, heads the recent calls and is on its window's tile, even while the renderer draws
    a new state ahead over frames (the display app's budget) and calls come several in one
    frame; each state is up within HOLD_SECONDS, or a newer one is."""
    r, view, _ = setup(render_budget=2)
    text = Recorder()
    r.text = text
    banner, recent = r.widget_at("call_banner"), r.widget_at("recent_calls")
    r.frame(view, NOW + 20, T0 + 20)  # the sample's call has settled
    states = States(r, view.seq)
    burst = [("A101", 3), ("B202", 4), ("C303", 5), ("A104", 3), ("D405", 6), ("B206", 4)]
    k = 0
    arrived: list[tuple[float, int]] = [(T0 + 20, view.seq)]  # (t, state) as they came
    held = 0
    for f in range(0, 120):  # 2 s at 60 frames a second; calls come 0, 1 or 2 per frame
        t = 20 + f / 60
        for _ in range(2 if f in (3, 4) else 1 if f in (10, 25) else 0):
            number, window = burst[k]
            call(view, number, window, at=NOW + t)
            k += 1
            arrived.append((T0 + t, view.seq))
        text.log.clear()
        r.frame(view, NOW + t, T0 + t)
        held += r.holding
        newest = view.recent_calls[0]
        assert banner.shown is not None and (banner.shown.seq, banner.shown.number) == (newest.seq, newest.number)
        tile = view.window_view(newest.window)
        assert tile.ticket is not None and tile.ticket["number"] == newest.number
        common = states.after(view.seq)
        # bounded: what the canvas shows is at most HOLD_SECONDS (and a frame) behind the hall
        due = max((s for at, s in arrived if at <= T0 + t - HOLD_SECONDS - 1 / 60), default=arrived[0][1])
        assert max(common) >= due, f
        if text.log:  # whatever was drawn this frame was drawn from this state
            assert all(d.text != burst[j][0] for d in text.log for j in range(k, len(burst)))
    assert held and not r.holding  # the calls were drawn ahead, and all are up
    assert k == len(burst) and banner.shown.number == "B206" and banner.shown_fresh
    assert max(states.after(view.seq)) == view.seq
    # what the canvas shows: the banner's number is the recent list's first row
    text.log.clear()
    r.redraw()
    r.frame(view, NOW + 27, T0 + 27)
    rows = sorted((d for d in text.log if d.target.get_size() == recent.rect.size and d.lang == "en"
                   and d.text[:1].isalpha() and d.text[1:].isdigit()), key=lambda d: d.ink.y)
    assert rows and rows[0].text == "B206" and text.find("B206")
    assert [d.text for d in rows] == [c.number for c in view.recent_calls[:recent.count]]
    assert [d.text for d in rows[:6]] == ["B206", "D405", "A104", "C303", "B202", "A101"][:recent.count]


def test_a_new_call_is_drawn_ahead_and_shown_at_once() -> None:
    """A call's re-renders are spread: at most ``render_budget`` widgets render in a frame,
    off the canvas (the old call stays up, whole), then every widget's new picture goes up
    in one frame, a few frames after the call (here 60 frames a second)."""
    for budget in (1, 2):
        r, view, _ = setup(render_budget=budget)
        r.frame(view, NOW + 20, T0 + 20)
        states = States(r, view.seq)
        before = view.seq
        call(view, "A321", 5, at=NOW + 20)
        banner = r.widget_at("call_banner")
        frames, up = 0, None
        for f in range(1, 30):
            renders = sum(w.renders for w in r.widgets)
            r.frame(view, NOW + 20 + f / 60, T0 + 20 + f / 60)
            assert sum(w.renders for w in r.widgets) - renders <= budget, (budget, f)
            common = states.after(view.seq)
            if up is None and view.seq in common:
                up = f
                assert common == {view.seq}  # every widget at once, none left behind
            elif up is None:
                assert before in common and not any(n in (banner.shown_key or ((),))[0] for n in ("A321",))
                frames += 1
        assert up is not None and up <= len(r.widgets) and up / 60 <= HOLD_SECONDS, (budget, up)
        assert banner.shown_key[0][1] == "A321" and r.hold_frames == up and not r.holding


def test_a_full_redraw_while_a_call_is_drawn_ahead_shows_it_at_once() -> None:
    """A notice (or the badge) that comes while a call is drawn ahead redraws the whole
    canvas: the call is finished and shown in that frame, not the old one around it."""
    r, view, p = setup(render_budget=1)
    r.frame(view, NOW + 20, T0 + 20)
    states = States(r, view.seq)
    call(view, "A432", 6, at=NOW + 20)
    r.frame(view, NOW + 20 + 1 / 60, T0 + 20 + 1 / 60)
    assert r.holding and view.seq not in states.after(view.seq)
    view.apply({"type": "notice", "notice": {"text": "x", "style": "banner"}}, NOW)
    dirty = r.frame(view, NOW + 20 + 2 / 60, T0 + 20 + 2 / 60)
    assert dirty == [r.canvas.get_rect()] and not r.holding
    assert states.after(view.seq) == {view.seq}
    assert r.widget_at("call_banner").shown_key[0][1] == "A432"


def test_quick_fit_finds_the_sizes_fit_finds() -> None:
    """The renderer's text fits a new text from the size the last one of as many characters
    got: the same size as the binary search, with fewer measures."""
    from signage.display.quickfit import QuickFitText
    from signage.display.text import TextRenderer

    r, view, _ = setup()
    assert isinstance(r.text, QuickFitText)
    quick, plain = QuickFitText(), TextRenderer()
    quick.min_glyph = plain.min_glyph = 14.0
    texts = [f"{c}{n:03d}" for c in "ABCDE" for n in range(0, 1000, 37)] + \
        ["3号窗口", "Window 12", "约 9–20 分钟", "Priority Care Window", "爱心服务专窗", "C4021", "A7"]
    boxes = [(300, 80), (900, 300), (1800, 600), (180, 60), (2000, 700)]
    for i, text in enumerate(texts * 2):
        lang = "en" if text.isascii() else "zh-Hans"
        w, h = boxes[i % len(boxes)]
        for max_px in (h, 2 * h, 40):
            assert quick.fit(text, lang, w, h, max_px, 8) == plain.fit(text, lang, w, h, max_px, 8), (text, w, h)
    assert quick.guessed > 50


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


def test_render_budget_spreads_a_language_turn_but_never_a_call() -> None:
    r, view, _ = setup(render_budget=1)
    start = (NOW // 16) * 16 + 16  # main: [zh-Hans, en] every 8 s
    r.fixed_lang = None
    r.frame(view, start + 1, T0 + 20)
    r.frame(view, start + 8.01, T0 + 20.01)  # the English turn: one widget a frame
    stale = [w.name for w in r.widgets if w.stale]
    assert stale  # the others wait their turn...
    for k in range(1, 8):
        r.frame(view, start + 8.01 + k / 60, T0 + 20.01 + k / 60)
    assert not any(w.stale for w in r.widgets)  # ...for a few frames only
    call(view, "A088", 4)  # a call: everything that shows the hall follows together, a few frames on
    for k in range(0, 8):
        r.frame(view, start + 9 + k / 60, T0 + 21 + k / 60)
        if not r.holding:
            break
    assert r.widget_at("call_banner").shown.number == "A088" and k < 6
    assert not any(w.stale for w in r.widgets) and r.widget_at("call_banner").shown_key[0][1] == "A088"


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
