"""The pages offer the hall's priority categories (issue 17 item 4), in a real browser: the
kiosk's priority path and its button's words, the staff console's and the guide's choices;
the default list's words for a hall without its own (and for a hub that sends none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import LAYOUTS
from web_browser import HubThread, have_browser, hub_fixture, page_context, sign_in, until, wait_js
from web_browser import browser  # noqa: F401 (a fixture, for the tests below)

pytestmark = pytest.mark.skipif(have_browser() is not None, reason=f"no browser for the page tests: {have_browser()}")

KIOSK = "test-kiosk-0123456789"
WINDOW3 = "test-window-3-0123456789"
GUIDE = "test-guide-0123456789"

OWN_LIST = """priority:
  categories:
    - {id: older, name: {zh-Hans: 老年人（65岁以上）, en: Older people (65+)}, short: {zh-Hans: 老人, en: older people}}
    - {id: veteran, name: {zh-Hans: 退伍军人, en: Veterans}}
    - {id: other, name: {zh-Hans: 其他, en: Other}, kiosk: false}
"""


def _hub(tmp: Path, own: bool) -> HubThread:
    text = (LAYOUTS / "zhongshan.yaml").read_text("utf-8")
    if own:
        text = text.replace("\nrules:", "\n" + OWN_LIST.rstrip("\n") + "\nrules:", 1)
        assert "veteran" in text
    (tmp / "zhongshan.yaml").write_text(text, encoding="utf-8")
    return HubThread(tmp)


own_hub = hub_fixture("own-list", lambda tmp: _hub(tmp, True))
default_hub = hub_fixture("default-list", lambda tmp: _hub(tmp, False))


@pytest.fixture
def context(browser):
    with page_context(browser) as ctx:
        yield ctx


def _issued(hub: HubThread) -> list[dict]:
    return [e for e in hub.events() if e["type"] == "ticket_issued"]


def test_the_kiosk_offers_the_halls_categories_and_words_its_button_with_them(own_hub: HubThread, context) -> None:
    page = context.new_page()
    page.goto(f"{own_hub.http}/kiosk?hall=zhongshan")
    sign_in(page, KIOSK)
    wait_js(page, "document.getElementById('go-priority').textContent === '优先通道（老人、退伍军人）'")
    page.click("[data-lang-switch]")
    assert page.inner_text("#go-priority") == "Priority (older people, Veterans)"
    page.click("#go-priority")
    kinds = page.eval_on_selector_all("#priority-kinds button", "bs => bs.map((b) => [b.dataset.priority, b.textContent])")
    assert kinds == [["older", "Older people (65+)"], ["veteran", "Veterans"]]  # "other" is the staff's
    page.click("#priority-kinds button[data-priority=veteran]")
    assert page.inner_text("#mode-banner") == "Priority: Veterans. Choose the service"
    before = len(_issued(own_hub))
    page.click("button[data-service=passport]:not([disabled])")
    page.wait_for_selector("#v-ticket:not([hidden])")
    assert page.inner_text("#r-class") == "Priority: Veterans"
    issued = _issued(own_hub)[before:]
    assert len(issued) == 1 and issued[0]["ticket"]["priority"] == "veteran"


def test_the_staff_console_and_the_guide_choose_from_the_halls_list(own_hub: HubThread, context) -> None:
    staff = context.new_page()
    staff.goto(f"{own_hub.http}/staff?hall=zhongshan&window=3#token={WINDOW3}")
    staff.wait_for_selector("#actions button[data-cmd=issue]:not([disabled])")
    staff.keyboard.press("g")
    staff.wait_for_selector("#d-issue[open]")
    options = staff.eval_on_selector_all("#di-priority option", "os => os.map((o) => [o.value, o.textContent])")
    assert options == [["older", "老年人（65岁以上）"], ["veteran", "退伍军人"], ["other", "其他"]]
    assert staff.inner_text("#di-class option[value=priority]") == "优先（老人、退伍军人、其他）"
    staff.select_option("#di-class", "priority")
    staff.select_option("#di-priority", "other")
    staff.select_option("#di-service", "id-card")
    count = len(_issued(own_hub))
    staff.click("#d-issue button[value=ok]")
    until(lambda: len(_issued(own_hub)) > count, what="the priority ticket")
    assert _issued(own_hub)[-1]["ticket"]["priority"] == "other"

    guide = context.new_page()
    guide.goto(f"{own_hub.http}/guide?hall=zhongshan")
    sign_in(guide, GUIDE)
    guide.wait_for_selector("#g-issue:not([disabled])")
    assert guide.inner_text("#c-priority") == "优先（老人、退伍军人、其他）"
    radios = guide.eval_on_selector_all("#priority-kinds input", "rs => rs.map((r) => [r.value, r.checked])")
    assert radios == [["older", True], ["veteran", False], ["other", False]]
    guide.click("#classes input[value=priority]")
    guide.click("#priority-kinds input[value=veteran]")
    guide.click("#services input[value=id-card]")
    count = len(_issued(own_hub))
    guide.click("#g-issue")
    guide.wait_for_selector("#result:not([hidden])")
    assert guide.inner_text("#r-class") == "优先：退伍军人"
    assert _issued(own_hub)[count]["ticket"]["priority"] == "veteran"


def test_a_hall_without_a_list_has_todays_words_and_a_page_has_them_without_a_list(default_hub: HubThread,
                                                                                    context) -> None:
    page = context.new_page()
    page.goto(f"{default_hub.http}/kiosk?hall=zhongshan")
    sign_in(page, KIOSK)
    wait_js(page, "document.getElementById('go-priority').textContent === '优先通道（老人、残疾人、孕妇、带婴幼儿、军人）'")
    page.click("[data-lang-switch]")
    assert page.inner_text("#go-priority") == "Priority (elderly, disabled, pregnant, with infants, military)"
    page.click("#go-priority")
    ids = page.eval_on_selector_all("#priority-kinds button", "bs => bs.map((b) => b.dataset.priority)")
    assert ids == ["elderly", "disabled", "pregnant", "infant", "military"]
    # a config from an older hub, without priority: the same default list
    fallback = page.evaluate("""async () => {
        const {priorityCategories, priorityName, priorityWords} = await import("/static/hub.js");
        const old = {hall: {name: "x"}};
        return [priorityCategories(old).map((c) => c.id), priorityName(old, "military", "zh-Hans"),
                priorityWords(old, {kiosk: true}, "zh-Hans"), priorityWords(old, {most: 3}, "en")];
    }""")
    assert fallback == [["elderly", "disabled", "pregnant", "infant", "military", "other"], "现役军人、消防救援人员",
                        "老人、残疾人、孕妇、带婴幼儿、军人", "elderly, disabled, pregnant…"]
