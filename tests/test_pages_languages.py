"""The pages' words are data (signage/catalogues/pages/<lang>.yaml, signage/page_words.py): every
shipped language has every key with the same placeholders, every key the pages look up exists,
fallbacks follow the screens' chain, and a hall's terms reach the pages' words named after them.
(The pages themselves, in a browser: tests/test_pages_languages_browser.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from signage import i18n, page_words
from signage.languages import chain

STATIC = Path(__file__).resolve().parent.parent / "server" / "web" / "static"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _sections(tag: str) -> dict[str, dict[str, str]]:
    found = page_words.load(tag)
    assert found is not None, f"signage/catalogues/pages/{tag}.yaml is missing or broken"
    return found[1]


@pytest.mark.parametrize("tag", page_words.FULL)
def test_every_shipped_language_has_every_key_with_the_same_placeholders(tag: str) -> None:
    en, other = _sections("en"), _sections(tag)
    assert set(other) == set(en) == set(page_words.SECTIONS)
    for section, words in en.items():
        assert set(other[section]) == set(words), (tag, section, set(other[section]) ^ set(words))
        for key, word in words.items():
            assert i18n.placeholders(other[section][key]) == i18n.placeholders(word), (tag, section, key)
            assert other[section][key].strip() or not word.strip(), (tag, section, key)


def test_the_files_are_in_their_own_language() -> None:
    for tag in ("en", "es"):
        for section, words in _sections(tag).items():
            for key, word in words.items():
                assert CJK.search(word) is None, (tag, section, key, word)
    from opencc import OpenCC

    s2t, t2s = OpenCC("s2t"), OpenCC("t2s")
    for section, words in _sections("zh-Hant").items():
        for key, word in words.items():
            assert t2s.convert(word) != word or s2t.convert(word) == word, (section, key, word)  # no Simplified
    spanish = _sections("es")
    english = _sections("en")
    same = [(s, k) for s in english for k, w in english[s].items()
            if w == spanish[s][k] and re.search(r"[a-z]{4,}", w) and w not in ("Normal",)]
    assert not same, f"words left in English in es.yaml: {same}"


def _used_keys(text: str) -> set[str]:
    """The keys a page looks up: tr("key"), tr(cond ? "a" : "b"), data-i18n="key" (and -label, -placeholder)."""
    keys = set(re.findall(r'\btr\(\s*"([A-Za-z0-9_]+)"(?!\s*\+)', text))
    keys |= set(re.findall(r'data-i18n(?:-label|-placeholder)?="([A-Za-z0-9_]+)"', text))
    for a, b in re.findall(r'\btr\([^;\n]*?\?\s*"([a-z0-9_]+)"\s*:\s*"([a-z0-9_]+)"', text):
        keys |= {a, b}
    return keys


@pytest.mark.parametrize("page", page_words.PAGES)
def test_every_key_a_page_looks_up_is_in_the_catalogue(page: str) -> None:
    text = (STATIC / f"{'404' if page == 'notfound' else page}.html").read_text("utf-8")
    js = STATIC / f"{page}.js"
    if js.exists():
        text += js.read_text("utf-8")
    used = _used_keys(text)
    assert used, page
    en = _sections("en")
    known = set(en[page]) | set(en["common"]) | set(i18n.keys())
    assert not used - known, f"{page}: keys looked up but in no catalogue: {sorted(used - known)}"
    # the keys looked up with a prefix ("st_" + state...) exist for every value the page uses
    dynamic = {"staff": ["st_open", "st_paused", "st_closed", "done_call_next", "done_call", "done_start",
                         "done_close", "done_recall", "done_complete", "done_skip", "done_requeue",
                         "done_transfer", "done_pause", "done_resume", "done_issue"],
               "manage": [f"r_{r}" for r in ("screen", "announcer", "window", "kiosk", "manager", "guide")]
               + [f"g_{g}" for g in ("screen", "announcer", "window", "kiosk", "guide", "manager", "ticket", "other")]
               + [f"k_{k}" for k in ("civility", "notice", "policy")]
               + [f"ws_{w}" for w in ("free", "called", "serving", "paused", "closed")],
               "rate": ["s1", "s2", "s3", "s4", "overall", "attitude", "efficiency", "environment"],
               "ticket": ["done", "skipped", "cancelled", "gone", "unknown"]}
    assert not set(dynamic.get(page, [])) - known, page


def test_hub_js_looks_up_only_keys_that_exist() -> None:
    hub = (STATIC / "hub.js").read_text("utf-8")
    assert "ERROR_WORDS" not in hub and "const T = {" not in hub
    for name in ("kiosk", "guide", "staff", "rate", "manage", "edit", "ticket"):
        js = re.sub(r"//[^\n]*", "", (STATIC / f"{name}.js").read_text("utf-8"))  # comments may say 窗口
        js = js.replace("[,，\\t]", "")  # the appointments list may be split at a full-width comma
        assert "const T = {" not in js and CJK.search(js) is None, f"{name}.js keeps words of its own"
    en = _sections("en")
    # every error code the hub refuses with has words (tests/test_web_browser.py checks them in a page too)
    root = STATIC.parent.parent.parent
    codes = set()
    for path in (root / "server").rglob("*.py"):
        codes |= set(re.findall(r'\b(?:refuse|error_frame)\(\s*"([a-z_]+)"', path.read_text("utf-8")))
    assert codes and not {f"e_{c}" for c in codes} - set(en["common"])
    for key in ("pri_elderly", "pri_short_elderly", "pri_other"):
        assert key in en["common"]
    for key in ("about_minutes", "minutes_range", "no_wait", "closed_until", "list_sep", "paren", "window_n"):
        assert key in i18n.keys(), key  # the screens' words the pages use


def test_fallbacks_follow_the_screens_chain_and_convert_chinese() -> None:
    words = page_words.page_words("kiosk", "zh-TW")
    assert words["title"] == "取號" and words["r_welcome"] == "您的排隊號"  # zh-TW -> zh-Hant
    assert page_words.page_words("kiosk", "es-MX")["title"] == "Sacar turno"  # es-MX -> es
    assert page_words.page_words("kiosk", "vi")["title"] == "Take a ticket"  # no file: English
    assert page_words.page_words("staff", "zh-TW")["window_n"] == i18n.word("window_n", "zh-TW")  # 櫃檯 over 窗口
    assert chain("yue")[0] == "yue" and page_words.page_words("rate", "yue")["thanks"] == "感謝您的評價！"


def test_terms_reach_the_pages_words_named_after_them() -> None:
    terms = {"window_n": {"en": "Counter {window}", "es": "Mostrador {window}"}, "no_wait": {"en": "Walk right up"}}
    en = page_words.page_catalogue("staff", "en", ["en", "es"], terms)
    es = page_words.page_catalogue("staff", "es", ["en", "es"], terms)
    assert en["words"]["window_n"] == "Counter {window}" and es["words"]["window_n"] == "Mostrador {window}"
    assert en["screen"]["no_wait"] == "Walk right up" and es["screen"]["no_wait"] == "Sin espera"
    assert page_words.page_catalogue("staff", "zh-Hans", ["zh-Hans"], terms)["words"]["window_n"] == "{window} 号窗口"
    assert en["languages"] == [{"tag": "en", "name": "English"}, {"tag": "es", "name": "Español"}]
    names = [x["name"] for x in page_words.page_catalogue("index", "zh-Hans", ["zh-Hans", "zh-Hant", "en", "es"])["languages"]]
    assert names == ["中文", "繁體中文", "English", "Español"]


# --- the route, without a browser -------------------------------------------------------------

from hub_harness import HubHarness, hub_test  # noqa: E402
from test_web import get  # noqa: E402


@hub_test()
async def test_the_catalogue_route_picks_the_halls_language_and_answers_304_when_unchanged(hub: HubHarness) -> None:
    import json

    status, h, body = await get(hub, "/catalogue/staff.json?hall=zhongshan")
    assert status == 200 and h["content-type"] == "application/json; charset=utf-8" and h["cache-control"] == "no-cache"
    first = json.loads(body)
    assert first["hall"] == "zhongshan" and first["language"] == "zh-Hans"  # the hall's first
    assert [x["tag"] for x in first["languages"]] == ["zh-Hans", "en"]
    assert first["words"]["b_next"] == "叫下一位" and first["screen"]["no_wait"] == "无需等待"
    status, _, body = await get(hub, "/catalogue/staff.json?hall=zhongshan&lang=en")
    assert status == 200 and json.loads(body)["words"]["b_next"] == "Call next"
    status, _, body = await get(hub, "/catalogue/staff.json?hall=zhongshan&lang=es")  # not the hall's
    assert json.loads(body)["language"] == "zh-Hans"
    status, h2, _ = await get(hub, "/catalogue/staff.json?hall=zhongshan&lang=en")
    status, _, body = await get(hub, "/catalogue/staff.json?hall=zhongshan&lang=en", headers={"If-None-Match": h2["etag"]})
    assert status == 304 and body == b""
    status, _, body = await get(hub, "/catalogue/kiosk.json?hall=nowhere")  # the hub's first hall
    assert status == 200 and json.loads(body)["hall"] == "zhongshan"
    status, _, body = await get(hub, "/catalogue/ticket.json?ticket=AAAAAAAAAAAAAAAAAAAAAA")  # unknown: the first
    assert status == 200 and json.loads(body)["language"] == "zh-Hans"
    for bad in ("/catalogue/nope.json", "/catalogue/..%2Fen.json", "/catalogue/.json"):
        status, _, _ = await get(hub, bad)
        assert status == 404, bad
