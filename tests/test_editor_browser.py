"""The hall editor's page (/edit, docs/web.md and docs/editor.md) in a real browser: a manager
renames a service in the raw text, sees no errors and publishes, and the hall has the new name
at once; a broken edit shows its line and is refused with nothing written; a screen's preview
of the draft beside the file's, with the small texts boxed; a rollback from the history makes
the file the old one byte for byte; a name with markup is shown as text; the service form edits
the draft through config_edit; a draft over one frame travels in parts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from web_browser import HubThread, have_browser, hub_fixture, page_context, until, wait_js
from web_browser import browser  # noqa: F401 (a fixture, for the tests below)

pytestmark = pytest.mark.skipif(have_browser() is not None, reason=f"no browser for the page tests: {have_browser()}")

MANAGER = "test-manager-0123456789"
LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"

hub = hub_fixture("editor-hub")


@pytest.fixture
def context(browser):
    with page_context(browser, console=True) as ctx:
        yield ctx


def hall_file(hub: HubThread) -> bytes:
    return hub.harness.hall_path.read_bytes()


def open_editor(context, hub: HubThread):
    page = context.new_page()
    page.goto(f"{hub.http}/edit?hall=zhongshan#token={MANAGER}")
    page.wait_for_selector("main:not([hidden])")
    wait_js(page, "document.getElementById('e-text').value.length > 1000")
    wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
    return page


def set_text(page, text: str) -> None:
    page.fill("#e-text", text)  # an input event: the check follows after the pause in typing


def publish(page, note: str) -> float:
    """Press publish; accept the warnings if the page asks (the sample hall may have some). The
    time of the last press (time.monotonic)."""
    page.fill("#p-note", note)
    pressed = time.monotonic()
    page.click("#p-publish")
    until(lambda: page.evaluate("!document.getElementById('confirm').hidden || "
                                "!('busy' in document.getElementById('p-msg').dataset)"), 15,
          what="the publish's answer or a confirmation")
    if page.evaluate("!document.getElementById('confirm').hidden"):
        pressed = time.monotonic()
        page.click("#c-yes")
    return pressed


def test_a_rename_in_the_text_publishes_and_the_hall_has_it_within_2_s(hub: HubThread, context) -> None:
    page = open_editor(context, hub)
    assert page.evaluate("document.getElementById('e-text').value") == hall_file(hub).decode("utf-8")
    assert page.evaluate("document.getElementById('e-lines').textContent.split('\\n').length") == \
        hall_file(hub).decode("utf-8").count("\n") + 1
    text = page.evaluate("document.getElementById('e-text').value")
    assert "Resident ID card}" in text
    set_text(page, text.replace("Resident ID card}", "Resident ID card (renewals too)}"))
    wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
    pressed = publish(page, "id card renamed")
    until(lambda: "renewals too" in str(hub.hub.halls["zhongshan"].config.service("id-card").name), 2.0,
          what="the hall's new name")
    assert time.monotonic() - pressed < 2.0
    assert b"Resident ID card (renewals too)}" in hall_file(hub)
    wait_js(page, "/2/.test(document.getElementById('p-msg').textContent)")
    # the base is the new file's: a second publish on it is no conflict
    new_hash = page.evaluate("window.signageEdit.base.hash")
    import hashlib
    assert new_hash == hashlib.sha256(hall_file(hub)).hexdigest()
    # the history lists the publish, newest first, with who and the note
    wait_js(page, "document.querySelectorAll('#h-list tr').length >= 2")
    first = page.eval_on_selector("#h-list tr", "tr => tr.textContent")
    assert "id card renamed" in first and "manager:" in first
    # the service list follows the config push
    page.select_option("#r-service", "0")
    wait_js(page, "document.querySelector('#r-names input[lang=en]').value.includes('renewals too')")


def test_a_broken_edit_shows_its_line_and_publishing_it_writes_nothing(hub: HubThread, context) -> None:
    page = open_editor(context, hub)
    before = hall_file(hub)
    lines = before.decode("utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line == "    prefix: A")
    lines[at] = "      prefix: A"  # bad indentation: the id's value continues onto a "key: value"
    set_text(page, "\n".join(lines))
    wait_js(page, "Number(document.getElementById('e-status').dataset.errors) > 0", timeout=15)
    shown = page.eval_on_selector_all("#e-problems li.error button", "bs => bs.map((b) => [b.dataset.line, b.textContent])")
    assert any(abs(int(line) - (at + 1)) <= 1 for line, _ in shown if line), shown
    # clicking the problem puts the cursor on its line
    page.click("#e-problems li.error button")
    line = int(shown[0][0])
    assert page.evaluate("(() => { const t = document.getElementById('e-text');"
                         " return t.value.slice(0, t.selectionStart).split('\\n').length; })()") == line
    assert page.evaluate("document.activeElement.id") == "e-text"
    page.fill("#p-note", "broken")
    page.click("#p-publish")
    wait_js(page, "document.querySelectorAll('#p-problems li.error').length > 0", timeout=15)
    assert hall_file(hub) == before
    # taking the file again drops the broken draft
    page.click("#e-reload")
    wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)


def test_the_preview_shows_the_draft_beside_the_file_with_the_small_texts_boxed(hub: HubThread, context) -> None:
    page = open_editor(context, hub)
    page.select_option("#v-screen", "main")
    page.select_option("#v-state", "sample")
    page.click("#v-go")
    wait_js(page, "[...document.querySelectorAll('#v-draft img, #v-now img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2",
            timeout=20)
    boxes = page.evaluate("document.querySelectorAll('#v-draft .small-box').length")
    listed = page.evaluate("document.querySelectorAll('#v-small li').length")
    assert boxes == listed
    assert page.evaluate("document.querySelector('#v-draft img').naturalWidth") == 1920


def test_markup_in_a_name_or_a_problem_is_shown_as_text(hub: HubThread, context) -> None:
    page = open_editor(context, hub)
    text = page.evaluate("document.getElementById('e-text').value")
    bad = "'<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">'"
    set_text(page, text + f"\n{bad}: 1\n")
    wait_js(page, "document.getElementById('e-problems').textContent.includes('<script>')", timeout=15)
    assert page.evaluate("document.querySelectorAll('#e-problems script, #e-problems img').length") == 0
    # the service form puts a name with markup into the draft; the draft shows it as text
    page.click("#e-reload")
    wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
    page.select_option("#r-service", "0")
    page.fill("#r-names input[lang=en]", "<b>ID</b><script>window.pwned=3</script>")
    page.click("#r-apply")
    wait_js(page, "document.getElementById('e-text').value.includes('<b>ID</b><script>window.pwned=3</script>')")
    text = page.evaluate("document.getElementById('e-text').value")
    assert text.count("\n") == hall_file(hub).decode("utf-8").count("\n")  # one value changed, the rest kept
    assert page.evaluate("window.pwned") is None
    page.click("#e-reload")


def test_a_draft_over_one_frame_travels_in_parts(hub: HubThread, context) -> None:
    page = open_editor(context, hub)
    text = page.evaluate("document.getElementById('e-text').value")
    big = text + "\n" + "".join(f"# 注释行 {i:05d} " + "填充" * 20 + "\n" for i in range(1500))
    assert len(big.encode("utf-8")) > 100 * 1024
    page.evaluate("(() => { const h = window.signageEdit.hub, real = h.request.bind(h); window.sentTypes = [];"
                  " h.request = (c) => { window.sentTypes.push(c.type); return real(c); }; })()")
    # (typing 100 KB through Playwright's fill can outlast its timeout on a loaded machine)
    page.evaluate("(t) => { const e = document.getElementById('e-text'); e.value = t;"
                  " e.dispatchEvent(new Event('input')); }", big)
    wait_js(page, "document.getElementById('e-status').dataset.errors === undefined")  # the new check is under way
    wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=20)
    sent = page.evaluate("window.sentTypes")
    assert sent.count("config_part") >= 2 and "config_check" in sent, sent
    page.click("#e-reload")
    wait_js(page, "document.getElementById('e-text').value.length < 60000")


def test_a_rollback_from_the_history_restores_the_file_byte_for_byte(hub: HubThread, context) -> None:
    original = (LAYOUTS / "zhongshan.yaml").read_bytes()
    page = open_editor(context, hub)
    if hall_file(hub) == original:  # run alone: publish a change first
        text = page.evaluate("document.getElementById('e-text').value")
        set_text(page, text.replace("Resident ID card}", "ID card}"))
        wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
        publish(page, "renamed")
        until(lambda: hall_file(hub) != original, 5, what="the publish")
    assert hall_file(hub) != original
    wait_js(page, "document.querySelector('#h-list tr[data-version=\"1\"] button') !== null")
    page.click("#h-list tr[data-version='1'] button")
    page.wait_for_selector("#h-detail:not([hidden])")
    assert page.evaluate("document.getElementById('h-diff').textContent.length") > 0
    page.click("#h-restore")
    page.wait_for_selector("#confirm:not([hidden])")
    assert "1" in page.evaluate("document.getElementById('c-text').textContent")
    page.keyboard.press("Enter")  # the confirmation has the focus on "yes": keyboard usable
    until(lambda: hall_file(hub) == original or page.evaluate("!document.getElementById('confirm').hidden"), 15,
          what="the rollback or its warnings")
    if hall_file(hub) != original:
        page.click("#c-yes")  # the warnings of the old version, accepted
    until(lambda: hall_file(hub) == original, 15, what="the old file back")
    wait_js(page, "document.getElementById('e-text').value === " + repr_js(original.decode("utf-8")))


def repr_js(text: str) -> str:
    import json

    return json.dumps(text)


def test_two_managers_on_one_base_the_second_sees_the_diff_and_takes_the_file_again(hub: HubThread, context) -> None:
    first, second = open_editor(context, hub), open_editor(context, hub)
    text = first.evaluate("document.getElementById('e-text').value")
    set_text(first, text.replace("Resident ID card", "National ID card"))
    wait_js(first, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
    publish(first, "first")
    until(lambda: b"National ID card" in hall_file(hub), 5, what="the first publish")
    after_first = hall_file(hub)
    set_text(second, text.replace("Resident ID card", "Identity card"))
    wait_js(second, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
    publish(second, "second")
    second.wait_for_selector("#p-conflict:not([hidden])", timeout=15000)
    diff = second.evaluate("document.getElementById('p-diff').textContent")
    assert "-" in diff and "Identity card" in diff and "National ID card" in diff
    assert hall_file(hub) == after_first  # nothing written
    second.click("#p-take")
    wait_js(second, "document.getElementById('e-text').value.includes('National ID card')")
    import hashlib
    wait_js(second, f"window.signageEdit.base.hash === '{hashlib.sha256(after_first).hexdigest()}'")


def test_the_page_speaks_english_when_asked_and_keeps_no_chinese(hub: HubThread, context) -> None:
    page = context.new_page()
    page.goto(f"{hub.http}/edit?hall=zhongshan&lang=en#token={MANAGER}")
    page.wait_for_selector("main:not([hidden])")
    wait_js(page, "document.getElementById('e-status').dataset.errors === '0'", timeout=15)
    assert page.evaluate("document.title") == "Hall file editor"
    import re

    labels = page.evaluate("[...document.querySelectorAll('[data-i18n]')].map((e) => e.textContent).join(' ')")
    assert "History" in labels and "Publish to the hall" in labels
    assert not re.search(r"[\u4e00-\u9fff]", labels), labels
    # keyboard: the textarea, the problems and every button are reachable by Tab
    page.focus("#p-note")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "p-publish"
