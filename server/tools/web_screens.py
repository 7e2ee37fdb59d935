"""``python -m server.tools.web_screens [DIR]``: pictures of the hub's pages for the docs and the README.

Starts a hub on 127.0.0.1 (a free port, a temporary database, the Zhongshan
sample hall with a fixed morning clock), fills it a little (tickets, calls, a
notice), and photographs each page in Chinese and English with Debian's
Chromium through Playwright (``/usr/bin/chromium``; never ``playwright
install``). Writes ``web-<page>-<lang>.png`` into DIR (default docs/screenshots).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # the test harness: a real hub in a thread, a fixed clock

KIOSK = "test-kiosk-0123456789"
WINDOW3 = "test-window-3-0123456789"
MANAGER = "test-manager-0123456789"
SCREENS = "test-screens-0123456789"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    from web_browser import HubThread, have_browser, launch, sign_in, until, wait_js

    why = have_browser()
    if why:
        print(f"cannot take the pictures: {why}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from signage.display.app import DisplayApp

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hub = HubThread(Path(tempfile.mkdtemp(prefix="web-screens-")))
    written: list[Path] = []
    try:
        async def fill() -> None:
            kiosk = await hub.harness.connect("kiosk")
            for service in ("id-card", "id-card", "birth-reg", "passport", "id-card", "hukou-move", "id-card"):
                await hub.harness.issue(kiosk, service)
            await hub.harness.issue(kiosk, "residence-permit", priority="elderly")
            for n in (4, 5):
                w = await hub.harness.connect("window", token=f"test-window-{4 if n == 4 else '5-6'}-0123456789", window=n)
                await w.request({"type": "call_next", "window": n})
            hub.harness.clock.now += 7 * 60
            await kiosk.close()

        hub.run(fill())
        app = DisplayApp(hub.ws, SCREENS, "zhongshan", "main", fps=30)
        app.client.start_thread()
        app.open_display()

        def pump() -> None:
            app.step(time.time(), time.monotonic())

        with sync_playwright() as pw:
            browser = launch(pw)
            for lang in ("zh-Hans", "en"):
                suffix = "zh" if lang == "zh-Hans" else "en"
                ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
                ctx.add_init_script(f"localStorage.setItem('signage.lang', '{lang}')")

                def shot(page, name: str, full: bool = False) -> None:
                    path = out / f"web-{name}-{suffix}.png"
                    page.screenshot(path=str(path), full_page=full)
                    written.append(path)

                kiosk = ctx.new_page()
                kiosk.goto(f"{hub.http}/kiosk?hall=zhongshan")
                sign_in(kiosk, KIOSK)
                kiosk.wait_for_selector("button[data-service=id-card]:not([disabled])")
                wait_js(kiosk, "document.querySelector('button[data-service=id-card] small').textContent.length > 0")
                shot(kiosk, "kiosk")
                kiosk.click("button[data-service=id-card]:not([disabled])")
                kiosk.wait_for_selector("#v-ticket:not([hidden])")
                wait_js(kiosk, "document.getElementById('r-qr').naturalWidth > 0")
                shot(kiosk, "kiosk-ticket")
                link = kiosk.get_attribute("#r-qr", "data-link")

                phone = ctx.new_page()
                phone.set_viewport_size({"width": 390, "height": 760})
                phone.goto(f"{hub.http}{link}")
                wait_js(phone, "document.getElementById('place').textContent.length > 0")
                shot(phone, "ticket-waiting")

                staff = ctx.new_page()
                staff.goto(f"{hub.http}/staff?hall=zhongshan&window=3")
                sign_in(staff, WINDOW3)
                staff.wait_for_selector("#actions button[data-cmd=call_next]:not([disabled])")
                staff.keyboard.press("n")
                staff.wait_for_selector("#actions button[data-cmd=recall]:not([disabled])")
                hub.harness.clock.now += 330  # the hub's clock: a few minutes at the counter
                staff.keyboard.press("n")
                wait_js(staff, "document.getElementById('served').textContent !== '0'")
                shot(staff, "staff")
                # the phone's ticket, called: keep calling at window 3 until it is this one
                for _ in range(12):
                    if phone.is_visible("#turn"):
                        break
                    hub.harness.clock.now += 240
                    staff.keyboard.press("n")
                    time.sleep(0.3)
                if phone.is_visible("#turn"):
                    shot(phone, "ticket-called")
                if suffix == "zh":
                    # the window staff's view when the hub is unreachable
                    staff.evaluate("() => { const h = window.signageStaff.hub; h._url = () => 'ws://127.0.0.1:9/'; h.ws.close(); }")
                    staff.wait_for_selector("#offline:not([hidden])")
                    shot(staff, "staff-offline")

                rate = ctx.new_page()
                rate.set_viewport_size({"width": 1024, "height": 700})
                rate.goto(f"{hub.http}/rate?hall=zhongshan&window=4")
                sign_in(rate, "test-window-4-0123456789", window=4)
                rate.wait_for_selector("#v-idle:not([hidden])")

                async def complete4() -> None:
                    w = await hub.harness.connect("window", token="test-window-4-0123456789", window=4)
                    k = await hub.harness.connect("kiosk")
                    ticket = await hub.harness.issue(k, "birth-reg")
                    await w.request({"type": "call", "window": 4, "ticket": ticket["number"]})
                    await w.request({"type": "complete", "window": 4})
                    await w.close()
                    await k.close()

                hub.run(complete4())
                rate.wait_for_selector("#v-ask:not([hidden])")
                rate.click("#overall button[data-score='4']")
                rate.click("#attitude button[data-score='4']")
                shot(rate, "rate")

                manage = ctx.new_page()
                manage.set_viewport_size({"width": 1280, "height": 900})
                manage.goto(f"{hub.http}/manage?hall=zhongshan")
                sign_in(manage, MANAGER)
                until(lambda: app.renderer is not None, pump=pump)
                manage.click("#who-refresh")
                manage.wait_for_selector("#who-groups .who-group[data-role=screen]")
                manage.fill("#n-zh", "系统升级，15:00 前暂停办理出入境业务")
                manage.fill("#n-en", "Exit-entry services paused until 15:00 (system upgrade)")
                manage.select_option("#s-screen", "main")
                manage.click("#s-ask")
                until(lambda: manage.evaluate("document.getElementById('s-img').naturalWidth") > 0, pump=pump)
                shot(manage, "manage", full=True)

                edit = ctx.new_page()  # the hall editor: a broken line, its problem, a preview
                edit.set_viewport_size({"width": 1280, "height": 900})
                edit.goto(f"{hub.http}/edit?hall=zhongshan#token={MANAGER}")
                wait_js(edit, "document.getElementById('e-status').dataset.errors === '0'", timeout=20)
                text = edit.evaluate("document.getElementById('e-text').value")
                edit.fill("#e-text", text.replace("    prefix: A\n", "      prefix: A\n", 1))
                wait_js(edit, "Number(document.getElementById('e-status').dataset.errors) > 0", timeout=20)
                edit.select_option("#v-screen", "main")
                edit.select_option("#v-state", "live")
                edit.fill("#e-text", text)
                wait_js(edit, "document.getElementById('e-status').dataset.errors === '0'", timeout=20)
                edit.click("#v-go")
                wait_js(edit, "[...document.querySelectorAll('#v-draft img, #v-now img')]"
                              ".filter((i) => i.complete && i.naturalWidth > 0).length === 2", timeout=20)
                edit.fill("#e-text", text.replace("    prefix: A\n", "      prefix: A\n", 1))
                wait_js(edit, "Number(document.getElementById('e-status').dataset.errors) > 0", timeout=20)
                edit.click("#e-problems li.error button")  # the cursor on the line, the text scrolled to it
                shot(edit, "edit", full=True)
                ctx.close()
            browser.close()
        app.client.stop()
    finally:
        hub.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
