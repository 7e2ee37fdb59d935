"""The pages speak the hall's languages (issue 17 items 1, 6), in a real browser: an English and
Spanish hall shows no Chinese anywhere, offers English and Español only, says its words and its
errors in Spanish once chosen, and takes the hall's terms; a Chinese hall still starts in Chinese
with a 中文/English switch whatever the browser's locale; a Traditional-only hall shows neither
Simplified characters nor English, and no switch. The words themselves: tests/test_pages_languages.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web_browser import HubThread, have_browser, hub_fixture, page_context, sign_in, wait_js
from web_browser import browser  # noqa: F401 (a fixture, for the tests below)

pytestmark = pytest.mark.skipif(have_browser() is not None, reason=f"no browser for the page tests: {have_browser()}")

HERE = Path(__file__).resolve().parent
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
KIOSK, GUIDE, MANAGER = "test-kiosk-0123456789", "test-guide-0123456789", "test-manager-0123456789"
WINDOW2 = "test-window-2-0123456789"

# tests/halls/dmv.yaml (English only), made an English and Spanish hall, open all day, with terms
EN_ES = """# An English and Spanish motor-vehicle office (tests/test_pages_languages_browser.py)
format: 1
hall:
  id: dmv-es
  name: {en: Motor Vehicle Office, es: Oficina de Vehículos}
  languages: [en, es]
  timezone: Asia/Shanghai
  hours:
    - {days: [mon, tue, wed, thu, fri, sat, sun], open: "00:00", close: "23:59"}
priority:
  categories:
    - {id: older, name: {en: Older people (65+), es: Personas mayores (65+)}, short: {en: older people, es: mayores}}
    - {id: veteran, name: {en: Veterans, es: Veteranos}}
    - {id: other, name: {en: Other (staff decide), es: Otros (decide el personal)}, kiosk: false}
terms:
  window_n: {en: "Counter {window}", es: "Mostrador {window}"}
groups:
  - {id: licenses, name: {en: Licenses, es: Permisos}}
services:
  - {id: license, prefix: L, group: licenses, minutes: 8, name: {en: Driver license, es: Permiso de conducir}}
  - {id: title, prefix: T, group: licenses, minutes: 10, name: {en: Vehicle title, es: Título del vehículo}}
windows:
  - {number: 1, kind: love, services: all, floor: main, position: [2, 2]}
  - {number: 2, services: [license], floor: main, position: [4, 2]}
  - {number: 3, services: [title], floor: main, position: [6, 2]}
floors:
  - {id: main, level: 1, name: {en: Main floor, es: Planta principal}, outline: [[0, 0], [10, 0], [10, 10], [0, 10]]}
"""

TOKENS = """tokens:
  - {name: lobby, role: kiosk, hall: "{hall}", token: test-kiosk-0123456789}
  - {name: entrance, role: guide, hall: "{hall}", token: test-guide-0123456789}
  - {name: boss, role: manager, hall: "*", token: test-manager-0123456789}
  - {name: w2, role: window, hall: "{hall}", windows: [2], token: test-window-2-0123456789}
"""

# The same office in Traditional Chinese only.
ZH_HANT = (EN_ES.replace("id: dmv-es", "id: dmv-hant").replace("languages: [en, es]", "languages: [zh-Hant]")
           .replace("{en: Motor Vehicle Office, es: Oficina de Vehículos}", "監理站")
           .replace("{en: Licenses, es: Permisos}", "駕照")
           .replace("{en: Driver license, es: Permiso de conducir}", "駕駛執照")
           .replace("{en: Vehicle title, es: Título del vehículo}", "車輛過戶")
           .replace("{en: Main floor, es: Planta principal}", "一樓")
           .replace(EN_ES[EN_ES.index("priority:"):EN_ES.index("groups:")], ""))  # the default list, no terms


def _hub(tmp: Path, hall: str, text: str) -> HubThread:
    (tmp / f"{hall}.yaml").write_text(text, encoding="utf-8")
    (tmp / "tokens.yaml").write_text(TOKENS.replace("{hall}", hall), encoding="utf-8")
    return HubThread(tmp, hall=hall)


en_es = hub_fixture("en-es", lambda tmp: _hub(tmp, "dmv-es", EN_ES))
hant = hub_fixture("zh-hant", lambda tmp: _hub(tmp, "dmv-hant", ZH_HANT))
zhongshan = hub_fixture("zhongshan")


@pytest.fixture
def zh_browser(browser):
    """A browser that says it prefers Chinese: the hall's languages win over it."""
    with page_context(browser, "zh-CN") as ctx:
        yield ctx


@pytest.fixture
def en_browser(browser):
    with page_context(browser, "en-US") as ctx:
        yield ctx


def seen(page) -> str:
    """Everything a person sees or hears read out: the visible text, the title, the labels."""
    return page.evaluate("""() => [document.title, document.body.innerText,
        ...[...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label')),
        ...[...document.querySelectorAll('input[placeholder], textarea[placeholder]')].map((e) => e.placeholder)].join('\\n')""")


def switch(page) -> list[str]:
    """The languages the switcher offers (its visible buttons)."""
    return page.eval_on_selector_all("[data-lang-switch]", "bs => bs.filter((b) => !b.hidden).map((b) => b.textContent)")


def no_chinese(page, where: str) -> None:
    text = seen(page)
    found = re.findall(CJK, text)
    assert not found, f"{where}: {''.join(found)} in {text!r}"


PAGES = [  # (path, what shows once signed in)
    ("/kiosk?hall=dmv-es#token=" + KIOSK, "#v-start:not([hidden]) button[data-service=license]"),
    ("/staff?hall=dmv-es&window=2#token=" + WINDOW2, "#actions button[data-cmd=call_next]:not([disabled])"),
    ("/guide?hall=dmv-es#token=" + GUIDE, "#g-issue:not([disabled])"),
    ("/rate?hall=dmv-es&window=2#token=" + WINDOW2, "#v-idle:not([hidden])"),
    ("/manage?hall=dmv-es#token=" + MANAGER, "#q-services tr[data-service=license]"),
    ("/?hall=dmv-es", "main"),
    ("/t/AAAAAAAAAAAAAAAAAAAAAA?hall=dmv-es", "main"),  # the 404 page (a link from an earlier day)
]
SPANISH = {"/kiosk": "Atención preferente (mayores, Veteranos)", "/staff": "Llamar al siguiente",
           "/guide": "Tipo de turno", "/rate": "Bienvenido", "/manage": "Colas ahora", "/?": "Páginas",
           "/t/": "Página no encontrada"}


def test_an_english_and_spanish_hall_shows_no_chinese_and_offers_its_two_languages(en_es: HubThread,
                                                                                   zh_browser) -> None:
    for path, ready in PAGES:
        page = zh_browser.new_page()
        page.goto(en_es.http + path)
        page.wait_for_selector(ready)
        wait_js(page, "!document.documentElement.classList.contains('words-pending')")
        where = path.split("#")[0]
        assert page.evaluate("document.documentElement.lang") == "en", where  # the hall's first, not the browser's
        no_chinese(page, where)
        assert switch(page) == ["Español"], where
        page.click("[data-lang-switch]")
        assert page.evaluate("document.documentElement.lang") == "es", where
        no_chinese(page, where + " in Spanish")
        assert switch(page) == ["English"], where
        key = next(k for k in SPANISH if where.startswith(k))
        assert SPANISH[key] in seen(page), where
        page.click("[data-lang-switch]")  # back to English for the next page (the choice is remembered)
        assert page.evaluate("document.documentElement.lang") == "en", where
        page.close()


def test_the_choice_is_remembered_and_spanish_says_the_halls_terms_and_its_errors(en_es: HubThread,
                                                                                  zh_browser) -> None:
    kiosk = zh_browser.new_page()
    kiosk.goto(f"{en_es.http}/kiosk?hall=dmv-es#token={KIOSK}")
    kiosk.wait_for_selector("button[data-service=license]:not([disabled])")
    kiosk.click("[data-lang-switch]")  # Español, remembered on this device
    assert kiosk.inner_text("#go-appointment") == "Tengo cita previa"
    # an error, in Spanish only (it was "code: English message" before)
    kiosk.click("#go-appointment")
    kiosk.fill("#code", "NOPE1")
    kiosk.click("#appointment-form button[type=submit]")
    wait_js(kiosk, "document.getElementById('flash').classList.contains('error')")
    assert kiosk.inner_text("#flash") == "Este código no existe: revise el mensaje de su cita o saque un turno normal"
    # a ticket: the printed words in Spanish, the hall's texts in Spanish
    kiosk.click("#v-appointment [data-back]")
    kiosk.click("button[data-service=license]:not([disabled])")
    kiosk.wait_for_selector("#v-ticket:not([hidden])")
    assert kiosk.inner_text("#r-welcome") == "Su turno" and kiosk.inner_text("#r-service") == "Permiso de conducir"
    assert kiosk.inner_text("#r-where") == "Ventanilla 2 · Planta principal"
    no_chinese(kiosk, "the ticket")
    wait_js(kiosk, "document.getElementById('r-qr').naturalWidth > 0")
    link = kiosk.get_attribute("#r-qr", "data-link")

    # the staff console starts in Spanish (remembered), with the hall's term for a window
    staff = zh_browser.new_page()
    staff.goto(f"{en_es.http}/staff?hall=dmv-es&window=2#token={WINDOW2}")
    staff.wait_for_selector("#actions button[data-cmd=call_next]:not([disabled])")
    assert staff.evaluate("document.documentElement.lang") == "es"
    assert staff.inner_text("#win-title") == "· Mostrador 2"
    staff.keyboard.press("j")
    staff.wait_for_selector("#d-call[open]")
    staff.fill("#d-call input[name=ticket]", "Z999")
    staff.click("#d-call button[value=ok]")
    wait_js(staff, "document.getElementById('flash').classList.contains('error')")
    assert staff.inner_text("#flash") == "Z999: Hoy no existe ese turno (revise el número)"
    staff.keyboard.press("n")
    wait_js(staff, "document.getElementById('cur-number').textContent.startsWith('L')")
    no_chinese(staff, "the console")
    staff.click("[data-lang-switch]")
    assert staff.inner_text("#win-title") == "· Counter 2"  # the term in English too
    staff.click("[data-lang-switch]")

    # the phone's ticket page: the hall's languages, found by the link alone
    phone = zh_browser.new_page()
    phone.goto(f"{en_es.http}{link}")
    phone.wait_for_selector("#turn:not([hidden])")
    assert phone.evaluate("document.documentElement.lang") == "es"
    assert phone.inner_text("#where") == "Acuda a la ventanilla 2 (Planta principal)"
    assert switch(phone) == ["English"]
    no_chinese(phone, "the ticket page")

    # the guide: an error in the page's language only (it was "中文 (English)" before)
    guide = zh_browser.new_page()
    guide.goto(f"{en_es.http}/guide?hall=dmv-es#token={GUIDE}")
    guide.wait_for_selector("#g-issue:not([disabled])")
    guide.click("#classes input[value=appointment]")
    guide.fill("#g-code", "NOPE2")
    guide.click("#g-issue")
    wait_js(guide, "document.getElementById('flash').classList.contains('error')")
    assert guide.inner_text("#flash") == "Este código de cita no existe"
    guide.click("[data-lang-switch]")
    guide.click("#g-issue")
    wait_js(guide, "document.getElementById('flash').textContent === 'This appointment code is not known'")
    no_chinese(guide, "the guide")

    # the manager writes a notice in the hall's languages, each named in its own words
    manage = zh_browser.new_page()
    manage.goto(f"{en_es.http}/manage?hall=dmv-es#token={MANAGER}")
    manage.wait_for_selector("#n-texts textarea")
    labels = manage.eval_on_selector_all("#n-texts label", "ls => ls.map((l) => l.textContent)")
    assert labels == ["English", "Español"]
    manage.fill("#n-en", "Closing early today")
    manage.fill("#n-text-es", "Hoy cerramos antes")
    manage.click("#n-push")
    wait_js(manage, "document.getElementById('notice-now').textContent.includes('Closing early')")
    manage.click("[data-lang-switch]")
    wait_js(manage, "document.getElementById('notice-now').textContent.includes('Hoy cerramos antes')")
    no_chinese(manage, "the manager's page")


def test_the_catalogue_route_answers_the_halls_languages_and_caches(en_es: HubThread, en_browser) -> None:
    page = en_browser.new_page()
    page.goto(f"{en_es.http}/?hall=dmv-es")
    got = page.evaluate("""async () => {
        const a = await fetch('/catalogue/kiosk.json?hall=dmv-es&lang=zh-Hans');   // not the hall's: its first
        const b = await fetch('/catalogue/kiosk.json?hall=dmv-es&lang=es');
        const etag = b.headers.get('ETag');
        const c = await fetch('/catalogue/kiosk.json?hall=dmv-es&lang=es', {headers: {'If-None-Match': etag}});
        const d = await fetch('/catalogue/nope.json');
        return {a: await a.json(), b: await b.json(), etag, c: c.status, d: d.status};
    }""")
    assert got["a"]["language"] == "en" and got["a"]["hall"] == "dmv-es"
    assert got["a"]["languages"] == [{"tag": "en", "name": "English"}, {"tag": "es", "name": "Español"}]
    assert got["b"]["words"]["title"] == "Sacar turno" and got["b"]["screen"]["window_n"] == "Mostrador {window}"
    assert got["etag"] and got["c"] in (200, 304) and got["d"] == 404


def test_a_chinese_hall_starts_in_chinese_with_a_chinese_english_switch(zhongshan: HubThread, en_browser) -> None:
    page = en_browser.new_page()  # the browser prefers English; the hall's first language is zh-Hans
    page.goto(f"{zhongshan.http}/kiosk?hall=zhongshan#token={KIOSK}")
    page.wait_for_selector("button[data-service=id-card]:not([disabled])")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.inner_text("#go-appointment") == "预约签到" and switch(page) == ["English"]
    page.click("[data-lang-switch]")
    assert page.inner_text("#go-appointment") == "Appointment check-in" and switch(page) == ["中文"]
    page.click("[data-lang-switch]")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"


def test_a_traditional_only_hall_shows_no_simplified_no_english_and_no_switch(hant: HubThread, en_browser) -> None:
    from opencc import OpenCC

    s2t = OpenCC("s2tw")  # Taiwan's standard forms (群, not 羣)
    for path, ready in [("/kiosk?hall=dmv-hant#token=" + KIOSK, "button[data-service=license]:not([disabled])"),
                        ("/staff?hall=dmv-hant&window=2#token=" + WINDOW2, "#actions button[data-cmd=call_next]:not([disabled])")]:
        page = en_browser.new_page()
        page.goto(hant.http + path)
        page.wait_for_selector(ready)
        assert page.evaluate("document.documentElement.lang") == "zh-Hant"
        assert switch(page) == []
        text = seen(page)
        assert re.search(CJK, text)
        simplified = [c for c in text if s2t.convert(c) != c]
        assert not simplified, (path, "".join(simplified), text)
        # no English: ticket prefixes (L), key letters (N, A...) and "KB" aside, no word of two letters
        assert not re.findall(r"[A-Za-z]{2,}", text), (path, re.findall(r"[A-Za-z]{2,}", text))
        page.close()


def test_a_hub_that_cannot_give_the_words_still_shows_a_working_page(zhongshan: HubThread, en_browser) -> None:
    page = en_browser.new_page()
    page.route("**/catalogue/**", lambda route: route.abort())
    page.goto(f"{zhongshan.http}/staff?hall=zhongshan&window=3#token=test-window-3-0123456789")
    page.wait_for_selector("#actions button[data-cmd=call_next]:not([disabled])")  # signed in, connected
    wait_js(page, "!document.documentElement.classList.contains('words-pending')")  # shown, not left hidden
    assert page.inner_text("#actions button[data-cmd=call_next] span") == "叫下一位"  # the HTML's own words
    assert switch(page) == []


def test_a_reloaded_hall_file_brings_its_new_terms_to_an_open_page(en_es: HubThread, en_browser) -> None:
    path = en_es.harness.hall_path
    text = path.read_text("utf-8")
    page = en_browser.new_page()
    page.goto(f"{en_es.http}/staff?hall=dmv-es&window=2#token={WINDOW2}")
    page.wait_for_selector("#actions button[data-cmd=call_next]:not([disabled])")
    assert page.inner_text("#win-title") == "· Counter 2"
    try:
        path.write_text(text.replace('"Counter {window}"', '"Desk {window}"'), encoding="utf-8")
        assert en_es.run(en_es.hub.halls["dmv-es"].reload()).ok
        wait_js(page, "document.getElementById('win-title').textContent === '· Desk 2'")
    finally:
        path.write_text(text, encoding="utf-8")
        en_es.run(en_es.hub.halls["dmv-es"].reload())
