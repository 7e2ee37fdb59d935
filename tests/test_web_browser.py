"""The hub's pages end to end in a real browser (Debian's Chromium, driven by Playwright).

A kiosk tap issues a ticket, the staff console calls it, the ticket page and a
screen show the call, the rating pad stores a rating that `signage stats`
reports; the manager page pushes messages and a notice and fetches a
screenshot from a real screen (signage display, headless); wrong tokens are
refused; commands are never acted on twice.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from pathlib import Path

import pytest

from web_browser import HubThread, have_browser, hub_fixture, page_context, sign_in, until, wait_js
from web_browser import browser  # noqa: F401 (a fixture, for the tests below)

pytestmark = pytest.mark.skipif(have_browser() is not None, reason=f"no browser for the page tests: {have_browser()}")

KIOSK = "test-kiosk-0123456789"
WINDOW3 = "test-window-3-0123456789"
MANAGER = "test-manager-0123456789"
SCREENS = "test-screens-0123456789"


hub = hub_fixture("web-hub")


@pytest.fixture
def context(browser):
    with page_context(browser, console=True) as ctx:
        yield ctx


class Screen:
    """A real wall screen (signage display, SDL's dummy driver), pumped by the test's thread."""

    def __init__(self, hub: HubThread, screen: str = "main") -> None:
        from signage.display.app import DisplayApp

        self.app = DisplayApp(hub.ws, SCREENS, "zhongshan", screen, fps=30)
        self.app.client.start_thread()
        self.app.open_display()

    def pump(self) -> None:
        self.app.step(time.time(), time.monotonic())

    def close(self) -> None:
        self.app.client.stop()
        import pygame

        pygame.display.quit()


def test_ticket_from_kiosk_to_call_screen_phone_and_rating(hub: HubThread, context, tmp_path: Path) -> None:
    from signage.hubclient import HubClient
    from signage.view import HallView

    # a screen's view of the hall, fed by the real client
    view = HallView()
    inbox: list[dict] = []
    screen = HubClient(hub.ws, {"type": "hello", "v": 1, "role": "screen", "hall": "zhongshan", "token": SCREENS,
                                "screen": "main"}, inbox.append)
    screen.start_thread()

    kiosk = context.new_page()
    kiosk.goto(f"{hub.http}/kiosk?hall=zhongshan")
    sign_in(kiosk, KIOSK)
    kiosk.click("button[data-service=id-card]:not([disabled])")
    kiosk.wait_for_selector("#v-ticket:not([hidden])")
    number = kiosk.inner_text("#r-number")
    assert number.startswith("A")
    assert kiosk.inner_text("#r-ahead") == "您是下一位，请留意叫号"  # nobody ahead: no "0 people ahead"
    assert kiosk.inner_text("#r-where") == "办理窗口：3、4、5、8 号 · 一楼大厅"  # its counters, not the love window
    wait_js(kiosk, "document.getElementById('r-qr').naturalWidth > 0")
    link = kiosk.get_attribute("#r-qr", "data-link")
    assert link and link.startswith("/t/") and number not in link

    rate = context.new_page()
    rate.goto(f"{hub.http}/rate?hall=zhongshan&window=3")
    sign_in(rate, WINDOW3)
    rate.wait_for_selector("#v-idle:not([hidden])")

    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 800})
    phone.goto(f"{hub.http}{link}")
    wait_js(phone, f"document.getElementById('number').textContent === '{number}'")
    assert not phone.is_visible("#turn")

    staff = context.new_page()
    staff.goto(f"{hub.http}/staff?hall=zhongshan&window=3")
    sign_in(staff, WINDOW3)
    staff.wait_for_selector("#actions button[data-cmd=call_next]:not([disabled])")
    staff.keyboard.press("n")
    wait_js(staff, f"document.getElementById('cur-number').textContent === '{number}'")
    assert "3" in staff.inner_text("#win-title")

    # the phone: "it is your turn: window 3, 1F", with the way there
    phone.wait_for_selector("#turn:not([hidden])")
    assert phone.inner_text("#where") == "请到 3 号窗口（一楼大厅）"
    assert phone.inner_text("#directions").strip()

    # the screen's view has the call
    def screen_has_call():
        for msg in inbox[:]:
            inbox.remove(msg)
            view.apply(msg, time.time())
        return any(c.number == number and c.window == 3 for c in view.recent_calls)

    until(screen_has_call, what="the call on the screen's view")
    screen.stop()

    # complete: the rating pad asks; a bad rating is stored and flagged by `signage stats`
    staff.keyboard.press("c")
    rate.wait_for_selector("#v-ask:not([hidden])")
    assert number in rate.inner_text("#ask-h")
    rate.click("#overall button[data-score='1']")
    rate.click("#attitude button[data-score='1']")
    rate.click("#efficiency button[data-score='3']")
    rate.click("#submit")
    rate.wait_for_selector("#v-thanks:not([hidden])")
    rated = [e for e in hub.events() if e["type"] == "rated"]
    assert rated and rated[-1]["score"] == 1 and rated[-1]["attitude"] == 1 and rated[-1]["window"] == 3
    assert rated[-1]["ticket"]["number"] == number
    wait_js(phone, "document.getElementById('place').textContent.includes('办结')")

    from server.reports.stats import run_stats

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_stats(argparse.Namespace(db=str(hub.harness.db), hall="zhongshan", day=None, csv=False))
    text = out.getvalue()
    assert "ratings to follow up" in text and f"window 3  ticket {number}  score 1" in text


def test_double_click_and_resend_after_a_drop_act_once(hub: HubThread, context) -> None:
    async def issue_two():
        kiosk = await hub.harness.connect("kiosk")
        for _ in range(2):
            await hub.harness.issue(kiosk, "birth-reg")
        await kiosk.close()

    hub.run(issue_two())
    staff = context.new_page()
    staff.goto(f"{hub.http}/staff?hall=zhongshan&window=3")
    sign_in(staff, WINDOW3)
    button = "#actions button[data-cmd=call_next]:not([disabled])"
    staff.wait_for_selector(button)
    before = sum(1 for e in hub.events() if e["type"] == "ticket_called")
    staff.dblclick(button)
    until(lambda: sum(1 for e in hub.events() if e["type"] == "ticket_called") > before, what="the call")
    staff.wait_for_selector(button)
    time.sleep(0.3)  # a second command would have landed by now
    assert sum(1 for e in hub.events() if e["type"] == "ticket_called") == before + 1
    # The line drops while a command waits: the page sends it again, with the same id, after reconnecting.
    result = staff.evaluate("""async () => {
        const h = window.signageStaff.hub;
        const p = h.request({type: "call_next", window: 3});
        h.ws.close();
        const r = await p;
        return {ticket: r.ticket.number, pending: h.pending.size};
    }""")
    assert result["pending"] == 0
    calls = [e for e in hub.events() if e["type"] == "ticket_called"]
    assert len(calls) == before + 2 and calls[-1]["ticket"]["number"] == result["ticket"]
    assert len({e["request"] for e in calls[-2:]}) == 2


def test_offline_banner_when_the_hub_is_unreachable(hub: HubThread, context) -> None:
    staff = context.new_page()
    staff.goto(f"{hub.http}/staff?hall=zhongshan&window=3")
    sign_in(staff, WINDOW3)
    staff.wait_for_selector("#actions button[data-cmd=call_next]:not([disabled])")
    assert staff.is_hidden("#offline")
    # point the page's client at a port where nothing listens, and drop the line
    staff.evaluate("""() => { const h = window.signageStaff.hub; h._url = () => "ws://127.0.0.1:9/"; h.ws.close(); }""")
    staff.wait_for_selector("#offline:not([hidden])")
    assert staff.is_disabled("#actions button[data-cmd=call_next]")
    staff.evaluate(f"""() => {{ const h = window.signageStaff.hub; h._url = () => "{hub.ws}/";
                              clearTimeout(h._retry); h._connect(); }}""")
    staff.wait_for_selector("#offline", state="hidden")


def test_manager_messages_notice_who_and_screenshot(hub: HubThread, context) -> None:
    screen = Screen(hub, "main")
    try:
        until(lambda: screen.app.renderer is not None, pump=screen.pump, what="the screen's first picture")
        page = context.new_page()
        page.goto(f"{hub.http}/manage?hall=zhongshan")
        sign_in(page, MANAGER)
        # who is connected: the screen is listed
        page.click("#who-refresh")
        page.wait_for_selector("#who-groups .who-group[data-role=screen] li[data-key=main]")
        # an urgent notice to the main screen only
        page.fill("#n-zh", "系统维护，暂停办理出入境业务")
        page.fill("#n-en", "Exit-entry services paused for maintenance")
        page.check("#n-screens input[value=main]")
        page.click("#n-push")
        until(lambda: screen.app.view.notice is not None, pump=screen.pump, what="the notice on the screen")
        assert screen.app.view.notice["screens"] == ["main"]
        assert screen.app.view.notice["text"]["en"].startswith("Exit-entry")
        wait_js(page, "document.getElementById('notice-now').textContent.includes('系统维护')")
        page.click("#n-clear")
        until(lambda: screen.app.view.notice is None, pump=screen.pump, what="the notice cleared")
        # civility messages: edit the first, add one, publish
        page.click("#m-add")
        rows = page.locator("#messages .msg-row")
        last = rows.nth(rows.count() - 1)
        last.locator("input").nth(0).fill("请文明排队，谢谢合作")
        last.locator("input").nth(1).fill("Please queue politely")
        page.click("#m-save")
        until(lambda: screen.app.view.messages and any(
            (m["text"].get("en") == "Please queue politely") for m in screen.app.view.messages),
              pump=screen.pump, what="the new messages on the screen")
        # a screenshot of the main screen, seen on the page
        page.select_option("#s-screen", "main")
        page.click("#s-ask")
        until(lambda: page.evaluate("document.getElementById('s-img').naturalWidth") > 0, pump=screen.pump,
              what="the screenshot on the manager's page")
        size = page.evaluate("[document.getElementById('s-img').naturalWidth, document.getElementById('s-img').naturalHeight]")
        assert tuple(size) == tuple(screen.app.renderer.size)
    finally:
        screen.close()


def test_wrong_token_is_refused_and_asked_again(hub: HubThread, context) -> None:
    page = context.new_page()
    page.goto(f"{hub.http}/staff?hall=zhongshan&window=3")
    sign_in(page, "not-the-token-0123456789")
    page.wait_for_selector("#signin:not([hidden])")
    wait_js(page, "document.querySelector('.signin-error').textContent.length > 0")
    assert page.evaluate("localStorage.getItem('signage.window.zhongshan.3')") is None
    # a window token for another window is refused too
    sign_in(page, "test-window-4-0123456789")
    wait_js(page, "document.querySelector('.signin-error').textContent.includes('3 号窗口')")
    manager = context.new_page()
    manager.goto(f"{hub.http}/manage?hall=zhongshan")
    sign_in(manager, KIOSK)  # a kiosk's token does not make a manager
    wait_js(manager, "document.querySelector('.signin-error').textContent.length > 0")


def test_pages_switch_language_and_unknown_paths_are_404(hub: HubThread, context) -> None:
    page = context.new_page()
    page.goto(f"{hub.http}/kiosk?hall=zhongshan")
    sign_in(page, KIOSK)
    page.wait_for_selector("#go-priority")
    assert "优先" in page.inner_text("#go-priority")
    page.click("[data-lang-switch]")
    assert "Priority" in page.inner_text("#go-priority")
    # priority path by keyboard: Tab to the button, Enter
    page.focus("#go-priority")
    page.keyboard.press("Enter")
    page.click("#priority-kinds button[data-priority=elderly]")
    assert "Elderly" in page.inner_text("#mode-banner")
    page.click("button[data-service=passport]:not([disabled])")
    page.wait_for_selector("#v-ticket:not([hidden])")
    assert page.inner_text("#r-number").startswith("D") and "Elderly" in page.inner_text("#r-class")
    where = page.inner_text("#r-where")  # a priority ticket: the love window is among its windows
    assert where.startswith("Windows 1, ") and where.endswith(" · Ground floor hall"), where
    for path in ("/nope", "/static/../server/hub/hub.py", "/static/%2e%2e/%2e%2e/server/hub/hub.py", "/t/AAAAAAAAAAAAAAAAAAAAAA",
                 "/static/", "/qr/AAAAAAAAAAAAAAAAAAAAAA.svg"):
        response = page.request.get(f"{hub.http}{path}")
        assert response.status == 404, path


def test_a_link_with_the_token_after_hash_signs_in_and_forgets_the_link(hub: HubThread, context) -> None:
    page = context.new_page()
    page.goto(f"{hub.http}/manage?hall=zhongshan#token={MANAGER}")
    page.wait_for_selector("main:not([hidden])")
    page.wait_for_selector("#offline", state="hidden")
    assert "#" not in page.url and MANAGER not in page.url
    assert page.evaluate("localStorage.getItem('signage.manager.zhongshan')") == MANAGER
    # remembered on this PC: the next visit goes straight in
    again = context.new_page()
    again.goto(f"{hub.http}/manage?hall=zhongshan")
    again.wait_for_selector("main:not([hidden])")
    assert again.is_hidden("#signin")


def test_appointments_imported_by_the_manager_check_in_at_the_kiosk(hub: HubThread, context) -> None:
    manager = context.new_page()
    manager.goto(f"{hub.http}/manage?hall=zhongshan#token={MANAGER}")
    manager.wait_for_selector("main:not([hidden])")
    manager.wait_for_selector("#offline", state="hidden")
    manager.fill("#a-list", "AB1234,passport,09:30\nAB1235,id-card,10:00")
    manager.click("#a-book")
    wait_js(manager, "document.getElementById('a-msg').textContent.startsWith('第 2 行')")  # id-card takes none
    manager.fill("#a-list", "# from the booking system\nAB1234,passport,09:30\nAB1236,hukou-move,9:45")
    manager.click("#a-book")
    wait_js(manager, "document.getElementById('a-msg').textContent.includes('2')")
    kiosk = context.new_page()
    kiosk.goto(f"{hub.http}/kiosk?hall=zhongshan#token={KIOSK}")
    kiosk.click("#go-appointment:not([disabled])")
    kiosk.fill("#code", "nope1")
    kiosk.keyboard.press("Enter")
    wait_js(kiosk, "document.getElementById('flash').textContent.includes('找不到')")
    kiosk.fill("#code", "ab1234")
    kiosk.click("#appointment-form button[type=submit]")
    kiosk.wait_for_selector("#v-ticket:not([hidden])")
    assert kiosk.inner_text("#r-number").startswith("D") and "AB1234" in kiosk.inner_text("#r-class")
    issued = [e for e in hub.events() if e["type"] == "ticket_issued"][-1]["ticket"]
    assert issued["class"] == "appointment" and issued["appointment"] == "AB1234"


def test_the_staff_console_pauses_transfers_requeues_by_keyboard(hub: HubThread, context) -> None:
    async def issue(service: str) -> None:
        kiosk = await hub.harness.connect("kiosk")
        await hub.harness.issue(kiosk, service)
        await kiosk.close()

    staff = context.new_page()
    staff.goto(f"{hub.http}/staff?hall=zhongshan&window=3#token={WINDOW3}")
    ready = "#actions button[data-cmd=call_next]:not([disabled])"
    staff.wait_for_selector(ready)
    if staff.is_enabled("#actions button[data-cmd=complete]"):  # an earlier test's citizen is at the counter
        staff.keyboard.press("c")
        wait_js(staff, "document.getElementById('cur-number').textContent === '—'")
    # pause with a reason, by keyboard only
    staff.keyboard.press("p")
    staff.wait_for_selector("#d-pause[open]")
    staff.keyboard.type("午休")
    staff.keyboard.press("Enter")
    wait_js(staff, "document.getElementById('win-state').textContent === '暂停'")
    assert "午休" in staff.inner_text("#win-reason")
    assert staff.is_disabled("#actions button[data-cmd=call_next]")
    staff.keyboard.press("u")
    wait_js(staff, "document.getElementById('win-state').textContent === '开放'")
    # skip a no-show, then requeue it when the citizen comes back
    hub.run(issue("birth-reg"))
    staff.wait_for_selector(ready)
    staff.keyboard.press("n")
    staff.wait_for_selector("#actions button[data-cmd=skip]:not([disabled])")
    number = staff.inner_text("#cur-number")
    staff.keyboard.press("s")
    wait_js(staff, "document.getElementById('cur-number').textContent === '—'")
    staff.keyboard.press("q")
    staff.wait_for_selector("#d-requeue[open]")
    staff.keyboard.type(number.lower())
    staff.keyboard.press("Enter")
    wait_js(staff, "document.getElementById('flash').textContent.includes('已重新排队')")
    assert number in staff.inner_text("#flash")
    # call it again and transfer it to the passport service at window 6
    staff.keyboard.press("n")
    staff.wait_for_selector("#actions button[data-cmd=transfer]:not([disabled])")
    staff.keyboard.press("t")
    staff.wait_for_selector("#d-transfer[open]")
    staff.select_option("#dt-service", "passport")
    staff.select_option("#dt-window", "6")
    staff.click("#d-transfer button[value=ok]")
    wait_js(staff, "document.getElementById('cur-number').textContent === '—'")
    moved = [e for e in hub.events() if e["type"] == "ticket_transferred"][-1]
    assert moved["to_service"] == "passport" and moved["to_window"] == 6 and moved["window"] == 3


def test_the_ticket_prints_on_80_mm_and_the_kiosk_returns_to_the_start(hub: HubThread, context) -> None:
    import re

    kiosk = context.new_page()
    kiosk.goto(f"{hub.http}/kiosk?hall=zhongshan&idle=2#token={KIOSK}")
    kiosk.click("button[data-service=certificate]:not([disabled])")
    kiosk.wait_for_selector("#v-ticket:not([hidden])")
    wait_js(kiosk, "document.getElementById('r-qr').naturalWidth > 0")
    pdf = kiosk.pdf(prefer_css_page_size=True, print_background=True)
    box = [float(x) for x in re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", pdf).groups()]
    assert abs((box[2] - box[0]) - 80 / 25.4 * 72) < 2  # 80 mm wide
    kiosk.emulate_media(media="print")
    assert kiosk.is_visible("#r-number") and not kiosk.is_visible("#print") and not kiosk.is_visible(".topbar h1")
    kiosk.emulate_media(media="screen")
    kiosk.wait_for_selector("#v-start:not([hidden])", timeout=6000)  # no touch for 2 s: back to the start


def test_estimates_have_one_wording_on_the_pages(hub: HubThread, context) -> None:
    """hub.js waitText in the browser against tests/estimate_words.json (the screens' table too),
    and the kiosk's buttons: a count and its estimate never disagree, never "约 0 分钟"."""
    import re

    table = json.loads((Path(__file__).parent / "estimate_words.json").read_text(encoding="utf-8"))["cases"]
    kiosk = context.new_page()
    kiosk.goto(f"{hub.http}/kiosk?hall=zhongshan#token={KIOSK}")
    got = kiosk.evaluate("""async (cases) => {
        const {waitText} = await import("/static/hub.js");
        return cases.flatMap((c) => ["zh-Hans", "en"].map((l) => waitText(c.est, c.count ?? null, l)));
    }""", table)
    assert got == [c[lang] for c in table for lang in ("zh-Hans", "en")]
    kiosk.wait_for_selector("button[data-service=id-card]:not([disabled])")
    wait_js(kiosk, "[...document.querySelectorAll('button[data-service] small')].some((s) => s.textContent)")
    words = r"(无需等待|约 [1-9]\d* 分钟|约 [1-9]\d*–\d+ 分钟|\d\d:\d\d 起办理)"
    for small in kiosk.locator("button[data-service] small").all_inner_texts():
        m = re.fullmatch(rf"等候 (\d+) 人( · {words})?|{words}|", small)
        assert m, small
        if m.group(1) is not None and m.group(2) and "起办理" not in m.group(3):
            assert (m.group(3) == "无需等待") == (m.group(1) == "0"), small


GUIDE = "test-guide-0123456789"


def test_the_staff_console_and_the_guide_issue_green_channel_tickets_with_a_reason(hub: HubThread, context) -> None:
    # the staff console: G opens the dialog; green needs a reason (the browser asks before the hub would)
    staff = context.new_page()
    staff.goto(f"{hub.http}/staff?hall=zhongshan&window=3#token={WINDOW3}")
    staff.wait_for_selector("#actions button[data-cmd=issue]:not([disabled])")
    staff.keyboard.press("g")
    staff.wait_for_selector("#d-issue[open]")
    staff.select_option("#di-service", "id-card")
    before = len(hub.events())
    staff.click("#d-issue button[value=ok]")
    assert staff.is_visible("#d-issue[open]")  # no reason: the form is not sent
    staff.fill("#di-reason", "出境航班 3 天后")
    staff.keyboard.press("Enter")
    wait_js(staff, "document.getElementById('flash').textContent.startsWith('已取 A')")
    issued = [e for e in hub.events()[before:] if e["type"] == "ticket_issued"]
    assert len(issued) == 1 and issued[0]["ticket"]["class"] == "green"
    assert issued[0]["actor"] == "window:3" and issued[0]["reason"] == "出境航班 3 天后"
    assert staff.inner_text("#flash") == f"已取 {issued[0]['ticket']['number']}，前面 {issued[0]['ahead']} 人"
    # a priority ticket from the same dialog, its category chosen
    staff.keyboard.press("g")
    staff.wait_for_selector("#d-issue[open]")
    staff.select_option("#di-class", "priority")
    staff.select_option("#di-priority", "disabled")
    staff.select_option("#di-service", "id-card")
    count = sum(1 for e in hub.events() if e["type"] == "ticket_issued")
    staff.click("#d-issue button[value=ok]")
    until(lambda: sum(1 for e in hub.events() if e["type"] == "ticket_issued") > count, what="the priority ticket")
    last = [e for e in hub.events() if e["type"] == "ticket_issued"][-1]
    assert last["ticket"]["class"] == "priority" and last["ticket"]["priority"] == "disabled" and "reason" not in last
    # the waiting table counts, for a new ticket, those a window calls first
    wait_js(staff, "document.querySelectorAll('#waiting tr').length > 0")
    assert staff.inner_text("#waiting").strip()

    # the guide's tablet: by keyboard, green with a reason, then the number and who is ahead
    guide = context.new_page()
    guide.goto(f"{hub.http}/guide?hall=zhongshan")
    sign_in(guide, GUIDE)
    guide.wait_for_selector("#g-issue:not([disabled])")
    guide.focus("#classes input[value=normal]")
    guide.keyboard.press("ArrowDown")  # priority
    assert guide.is_visible("#priority-box") and not guide.is_visible("#code-box")
    guide.keyboard.press("ArrowDown")  # green channel
    guide.wait_for_selector("#reason-box:not([hidden])")
    assert "必填" in guide.inner_text("#reason-hint")
    guide.click("#services input[value=id-card]")
    before = len(hub.events())
    guide.click("#g-issue")
    time.sleep(0.3)
    assert not [e for e in hub.events()[before:] if e["type"] == "ticket_issued"]  # no reason, no ticket
    guide.fill("#g-reason", "school starts Monday")
    guide.keyboard.press("Enter")
    guide.wait_for_selector("#result:not([hidden])")
    issued = [e for e in hub.events()[before:] if e["type"] == "ticket_issued"]
    assert len(issued) == 1 and issued[0]["actor"] == "guide:entrance" and issued[0]["reason"] == "school starts Monday"
    assert guide.inner_text("#r-number") == issued[0]["ticket"]["number"]
    assert guide.inner_text("#r-class") == "绿色通道：school starts Monday"
    n = issued[0]["ahead"]
    assert guide.inner_text("#r-ahead") == (f"前面还有 {n} 人" if n else "下一位就是他/她")
    assert guide.evaluate("document.getElementById('g-reason').value") == ""  # ready for the next citizen
    # English, and a guide token calls nothing
    guide.click("[data-lang-switch]")
    wait_js(guide, "document.querySelector('[data-i18n=title]').textContent === 'Guide: issue tickets'")
    answer = guide.evaluate("""async () => {
        try { await window.signageGuide.hub.request({type: "call_next", window: 3}); return "ok"; }
        catch (err) { return err.code; }
    }""")
    assert answer == "forbidden"


# --- issue 18 item 4: the console's J/A/X, errors in one language, the pad at 1024x600, the manager's views

CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
WINDOW4 = "test-window-4-0123456789"
WINDOW56 = "test-window-5-6-0123456789"


def one_language(text: str, lang: str, allowed: tuple[str, ...] = ()) -> bool:
    """Chinese text with no English words in it (ticket numbers and the like allowed), or English with no CJK."""
    import re

    for word in allowed:
        text = text.replace(word, "")
    if lang == "en":
        return re.search(CJK, text) is None
    return re.search(r"[A-Za-z]{2,}", text) is None


def test_every_error_code_has_words_in_each_language_and_unknown_ones_keep_the_hubs(hub: HubThread, context) -> None:
    import re

    root = Path(__file__).resolve().parent.parent
    codes = set()
    for path in (root / "server").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'\b(?:refuse|error_frame)\(\s*"([a-z_]+)"', text))
        codes |= set(re.findall(r'_refuse\(\s*ws,\s*"([a-z_]+)"', text))
    assert {"nothing_waiting", "unknown_ticket", "window_busy", "rate_limited", "unauthorized"} <= codes
    page = context.new_page()
    page.goto(f"{hub.http}/manage?hall=zhongshan#token={MANAGER}")
    page.wait_for_selector("main:not([hidden])")
    got = page.evaluate("""async (codes) => {
        const {knownError, errorText} = await import("/static/hub.js");  // the words: the page's catalogue
        const out = {missing: codes.filter((c) => !knownError(c))};
        out.texts = codes.filter((c) => knownError(c)).map((c) => ({c,
            zh: errorText({code: c, message: "english words", retry_after: 2.2}, {}, "zh-Hans"),
            en: errorText({code: c, message: "中文", retry_after: 2.2}, {}, "en")}));
        out.unknown = errorText({code: "brand_new", message: "the hub's own sentence"}, {}, "zh-Hans");
        return out;
    }""", sorted(codes))
    assert got["missing"] == [], got["missing"]
    for t in got["texts"]:
        assert one_language(t["zh"], "zh-Hans") and one_language(t["en"], "en"), t
    assert "3 秒" in next(t["zh"] for t in got["texts"] if t["c"] == "rate_limited")
    assert got["unknown"] == "brand_new: the hub's own sentence"


def test_the_console_calls_a_number_marks_the_arrival_and_closes_the_window(hub: HubThread, context) -> None:
    import re

    async def issue_two() -> list[str]:
        kiosk = await hub.harness.connect("kiosk")
        numbers = [(await hub.harness.issue(kiosk, "hukou-move"))["number"] for _ in range(2)]
        await kiosk.close()
        return numbers

    _, second = hub.run(issue_two())
    staff = context.new_page()
    staff.goto(f"{hub.http}/staff?hall=zhongshan&window=4#token={WINDOW4}")
    staff.wait_for_selector("#actions button[data-cmd=call]:not([disabled])")
    for cmd, key in (("call", "J"), ("start", "A"), ("close", "X")):  # each button shows its key
        assert staff.inner_text(f"#actions button[data-cmd={cmd}] kbd") == key
    assert staff.is_disabled("#actions button[data-cmd=start]")  # nobody called yet
    # J: the second ticket, out of turn, typed in lower case
    before = len(hub.events())
    staff.keyboard.press("j")
    staff.wait_for_selector("#d-call[open]")
    staff.keyboard.type(second.lower())
    staff.keyboard.press("Enter")
    wait_js(staff, f"document.getElementById('cur-number').textContent === '{second}'")
    called = [e for e in hub.events()[before:] if e["type"] == "ticket_called"]
    assert len(called) == 1 and called[0]["window"] == 4 and called[0]["out_of_order"] is True
    assert called[0]["ticket"]["number"] == second and called[0]["command"] == "call"
    assert staff.inner_text("#cur-state") == "已叫号，等候到达"
    assert staff.inner_text("#flash") == f"已叫 {second}"
    assert staff.is_disabled("#actions button[data-cmd=close]")  # a citizen is at the counter
    # A: the citizen arrived
    staff.wait_for_selector("#actions button[data-cmd=start]:not([disabled])")
    staff.keyboard.press("a")
    wait_js(staff, "document.getElementById('cur-state').textContent === '办理中'")
    assert [e["type"] for e in hub.events()[before:]][-1] == "ticket_serving"
    assert hub.hub.halls["zhongshan"].durable.engine.public_view()["windows"]["4"]["ticket_state"] == "serving"
    assert staff.is_disabled("#actions button[data-cmd=start]") and staff.is_disabled("#actions button[data-cmd=skip]")
    # complete, then X: asks, Enter confirms
    staff.keyboard.press("c")
    wait_js(staff, "document.getElementById('cur-number').textContent === '—'")
    staff.wait_for_selector("#actions button[data-cmd=close]:not([disabled])")
    staff.keyboard.press("x")
    staff.wait_for_selector("#d-close[open]")
    staff.keyboard.press("Escape")  # changed my mind: nothing sent
    staff.wait_for_selector("#d-close", state="hidden")
    assert [e["type"] for e in hub.events()[before:]][-1] == "ticket_completed"
    staff.keyboard.press("x")
    staff.wait_for_selector("#d-close[open]")
    staff.keyboard.press("Enter")
    wait_js(staff, "document.getElementById('win-state').textContent === '未开放'")
    closed = hub.events()[-1]
    assert closed["type"] == "window_closed" and closed["window"] == 4 and closed["command"] == "close"
    assert staff.inner_text("#flash") == "窗口已关闭"
    assert staff.is_disabled("#actions button[data-cmd=close]")
    # a refusal (a known code) reads in the page's language only
    staff.keyboard.press("j")
    staff.wait_for_selector("#d-call[open]")
    staff.keyboard.type("Z999")
    staff.keyboard.press("Enter")
    wait_js(staff, "document.getElementById('flash').classList.contains('error')")
    zh = staff.inner_text("#flash")
    assert zh == "Z999：今天没有这个号，请核对票号" and one_language(zh, "zh-Hans", ("Z999",)), zh
    staff.click("[data-lang-switch]")
    staff.keyboard.press("j")
    staff.wait_for_selector("#d-call[open]")
    staff.keyboard.type("Z998")
    staff.keyboard.press("Enter")
    wait_js(staff, "document.getElementById('flash').textContent.startsWith('Z998')")
    en = staff.inner_text("#flash")
    assert en == "Z998: No such ticket today (check the number)" and one_language(en, "en"), en
    assert re.search(CJK, staff.inner_text("#actions")) is None  # the new buttons are English too
    assert "Call a number" in staff.inner_text("#actions") and "Close window" in staff.inner_text("#actions")


def test_the_sign_in_remember_box_sits_on_one_line_with_its_words(hub: HubThread, context) -> None:
    for path in ("/staff?hall=zhongshan&window=3", "/manage?hall=zhongshan"):
        page = context.new_page()
        page.goto(f"{hub.http}{path}")
        page.wait_for_selector("#signin:not([hidden])")
        box = page.locator("#signin input[name=remember]").bounding_box()
        words = page.locator("#signin input[name=remember] + span").bounding_box()
        field = page.locator("#f-token").bounding_box()
        assert abs((box["y"] + box["height"] / 2) - (words["y"] + words["height"] / 2)) < 4, (box, words)
        assert abs(box["x"] - field["x"]) < 2 and box["width"] < 40 and words["x"] > box["x"] + box["width"]
        page.close()


def test_the_rating_pad_fits_a_7_inch_screen_without_scrolling(hub: HubThread, context) -> None:
    pad = context.new_page()
    pad.set_viewport_size({"width": 1024, "height": 600})
    pad.goto(f"{hub.http}/rate?hall=zhongshan&window=5#token={WINDOW56}")
    pad.wait_for_selector("#v-idle:not([hidden])")
    pad.wait_for_selector("#offline", state="hidden")

    async def serve_one() -> None:
        kiosk = await hub.harness.connect("kiosk")
        ticket = await hub.harness.issue(kiosk, "residence-permit")
        await kiosk.close()
        window = await hub.harness.connect("window", token=WINDOW56, window=5)
        for cmd in ({"type": "call", "window": 5, "ticket": ticket["number"]}, {"type": "complete", "window": 5}):
            answer = await window.request(cmd)
            assert answer["type"] == "ok", answer
        await window.close()

    hub.run(serve_one())
    pad.wait_for_selector("#v-ask:not([hidden])")
    pad.click("#overall button[data-score='4']")
    for lang in ("zh-Hans", "en"):
        for w, h in ((1024, 600), (1280, 800), (800, 480)):
            pad.set_viewport_size({"width": w, "height": h})
            box = pad.locator("#submit").bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= h and box["x"] + box["width"] <= w, (lang, w, h, box)
            last = pad.locator("#environment button").last.bounding_box()
            assert last["y"] + last["height"] <= h and last["x"] + last["width"] <= w, (lang, w, h, last)
            assert pad.evaluate("document.scrollingElement.scrollHeight") <= h, (lang, w, h)
        pad.click("[data-lang-switch]")
    pad.set_viewport_size({"width": 1024, "height": 600})
    pad.click("#submit")  # no scrolling needed to reach it
    pad.wait_for_selector("#v-thanks:not([hidden])")
    assert [e for e in hub.events() if e["type"] == "rated"][-1]["window"] == 5


def test_the_manager_sees_devices_grouped_and_the_queues_live(hub: HubThread, context) -> None:
    import re

    clock = hub.harness.clock
    peers: list = []

    async def setup() -> list[str]:
        kiosk = await hub.harness.connect("kiosk")
        first = (await hub.harness.issue(kiosk, "endorsement"))["number"]
        await kiosk.close()
        for _ in range(3):  # window 6's console, its rating pad, and a second console
            peers.append(await hub.harness.connect("window", token=WINDOW56, window=6))
        for _ in range(2):
            peers.append(await hub.harness.connect("screen", screen="strip-6"))
        return [first]

    async def take(n: int, service: str) -> list[str]:
        kiosk = await hub.harness.connect("kiosk")
        numbers = [(await hub.harness.issue(kiosk, service))["number"] for _ in range(n)]
        await kiosk.close()
        return numbers

    def estimates_now() -> None:
        """The hub's periodic estimates (every 30 s) with the hub's time: the page's clock follows it."""
        hub.run(hub.hub.halls["zhongshan"].push_estimates(force=True))

    [first] = hub.run(setup())
    clock.now += 7 * 60  # the first endorsement ticket has waited 7 minutes when the page opens
    try:
        page = context.new_page()
        page.goto(f"{hub.http}/manage?hall=zhongshan#token={MANAGER}")
        page.wait_for_selector("main:not([hidden])")
        row = "#q-services tr[data-service=endorsement]"
        page.wait_for_selector(row)
        estimates_now()
        base = {s: n for s, n in hub.hub.halls["zhongshan"].durable.engine.public_view()["waiting"].items()}
        assert base["endorsement"] == 1
        wait_js(page, f"document.querySelector('{row}').dataset.waiting === '1'")
        wait_js(page, f"document.querySelector('{row} td.longest').textContent === '7 分钟'")  # from waiting_since
        # tickets taken: the counts follow, the longest wait stays the first one's
        more = hub.run(take(2, "endorsement")) + hub.run(take(3, "traffic"))
        wait_js(page, f"document.querySelector('{row}').dataset.waiting === '3'")
        traffic = base["traffic"] + 3
        wait_js(page, f"document.querySelector('#q-services tr[data-service=traffic]').dataset.waiting === '{traffic}'")
        assert page.inner_text(f"{row} td.longest") == "7 分钟"
        total = sum(base.values()) + 5
        assert page.inner_text("#q-total") == f"共 {total} 人等候"
        for s, n in hub.hub.halls["zhongshan"].durable.engine.public_view()["waiting"].items():
            assert page.get_attribute(f"#q-services tr[data-service={s}]", "data-waiting") == str(n), s
        # the windows: 6 calls the first endorsement ticket (the oldest), then serves it; 7 pauses
        answer = hub.run(peers[0].request({"type": "call", "window": 6, "ticket": first}))
        assert answer["type"] == "ok", answer
        wait_js(page, "document.querySelector('#q-windows tr[data-window=\"6\"]').dataset.state === 'called'")
        assert page.inner_text("#q-windows tr[data-window='6'] td:nth-child(2)") == f"已叫 {first}，等候到达"
        wait_js(page, f"document.querySelector('{row}').dataset.waiting === '2'")
        assert page.inner_text(f"{row} td.longest") == "不到 1 分钟"  # the next oldest was taken just now
        hub.run(peers[0].request({"type": "start", "window": 6}))
        wait_js(page, "document.querySelector('#q-windows tr[data-window=\"6\"]').dataset.state === 'serving'")
        assert page.inner_text("#q-windows tr[data-window='6'] td:nth-child(2)") == f"正在办理 {first}"
        async def pause7() -> None:
            manager = await hub.harness.connect("manager")
            answer = await manager.request({"type": "pause", "window": 7, "reason": "午休", "until": "13:30"})
            assert answer["type"] == "ok", answer
            await manager.close()
        hub.run(pause7())
        wait_js(page, "document.querySelector('#q-windows tr[data-window=\"7\"]').dataset.state === 'paused'")
        assert page.inner_text("#q-windows tr[data-window='7'] td:nth-child(2)") == "暂停 · 午休 · 预计 13:30 恢复"
        # devices by kind, each once with its count
        page.click("#who-refresh")
        win6 = "#who-groups .who-group[data-role=window] li[data-key='6']"
        wait_js(page, f"document.querySelector(\"{win6}\")?.dataset.count === '3'")
        assert page.inner_text(win6) == "6 号窗口 ×3"
        strip = "#who-groups .who-group[data-role=screen] li[data-key='strip-6']"
        wait_js(page, f"document.querySelector(\"{strip}\")?.dataset.count === '2'")
        for group in page.locator("#who-groups .who-group").all():
            chips = [int(c.get_attribute("data-count")) for c in group.locator("li").all()]
            role, count = group.get_attribute("data-role"), int(group.get_attribute("data-count"))
            assert sum(chips) == count and group.locator(".count").inner_text() == str(count), role
            if role == "window":  # one entry per window, in order
                keys = [int(c.get_attribute("data-key")) for c in group.locator("li").all()]
                assert keys == sorted(set(keys))
        assert page.is_hidden("#who")  # the flat list is folded away
        # English, and an error in the page's language only
        page.click("[data-lang-switch]")
        assert page.inner_text(win6) == "Window 6 ×3"
        assert page.inner_text("#q-windows tr[data-window='6'] td:nth-child(2)") == f"Serving {first}"
        assert page.inner_text(f"{row} td.longest") == "under 1 min"
        assert page.inner_text("#q-total") == f"{total - 1} waiting in all"
        assert re.search(CJK, page.inner_text("#q-h") + page.inner_text("#w-h")) is None
        page.click("#n-clear")  # no notice to clear: no_notice
        wait_js(page, "document.getElementById('flash').classList.contains('error')")
        en = page.inner_text("#flash")
        assert en == "There is no notice to clear" and one_language(en, "en")
        page.click("[data-lang-switch]")
        page.evaluate("document.getElementById('flash').textContent = ''")
        page.click("#n-clear")
        wait_js(page, "document.getElementById('flash').textContent.length > 0")
        zh = page.inner_text("#flash")
        assert zh == "现在没有通知可撤下" and one_language(zh, "zh-Hans")
        # a reload mid-day: the longest wait comes back from the snapshot, not from "since the page opened"
        clock.now += 5 * 60
        again = context.new_page()
        again.goto(f"{hub.http}/manage?hall=zhongshan")
        again.wait_for_selector(row)
        estimates_now()
        wait_js(again, f"document.querySelector('{row}').dataset.waiting === '2'")
        wait_js(again, f"document.querySelector('{row} td.longest').textContent === '5 分钟'")
        assert again.inner_text("#q-windows tr[data-window='6'] td:nth-child(2)") == f"正在办理 {first}"
        assert more  # (the numbers taken)
    finally:
        async def close_all() -> None:
            for peer in peers:
                await peer.close()
            manager = await hub.harness.connect("manager")
            for cmd in ({"type": "complete", "window": 6}, {"type": "resume", "window": 7}):
                await manager.request(cmd)
            await manager.close()
        hub.run(close_all())
