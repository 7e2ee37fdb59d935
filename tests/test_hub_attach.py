"""The hub core and what attaches to it: the pages (server/web) attach themselves, one way.

* no module of server/hub imports server/web or server/serve (the graph of tests/test_imports.py);
* a bare hub (Hub.open, nothing attached) serves screens, /healthz and /metrics, answers any
  other plain request 404, refuses the ticket role and says who/screenshot are not served here;
* attached (server/web/serve.py open_hub), the same hub serves the pages, the ticket role and who.
"""

from __future__ import annotations

import json

from hub_harness import HubHarness, hub_test
from server.hub.hub import ATTACHED_COMMANDS, Hub
from server.web import live
from test_imports import ROOT, graph
from test_web import get


def test_the_hub_core_imports_nothing_of_the_pages() -> None:
    g = graph(ROOT)
    up = sorted((m, d) for m, deps in g.items() if m.startswith("server.hub")
                for d in deps if d.startswith(("server.web", "server.web.serve")))
    assert not up, f"the hub core reaches up to the pages: {up}"
    assert set(live.COMMANDS) == ATTACHED_COMMANDS


class BareHub(HubHarness):
    async def start(self) -> "BareHub":
        self.hub = Hub.open([self.hall_path], self.tokens_path, self.db, limits=self.limits, clock=self.clock,
                            durable=False, estimator=self.estimator)
        await self.hub.start("127.0.0.1", 0)
        return self


def test_a_bare_hub_serves_screens_and_says_what_it_does_not_serve(tmp_path) -> None:
    import asyncio

    async def main() -> None:
        hub = await BareHub(tmp_path).start()
        try:
            screen = await hub.connect("screen", screen="main")
            assert screen.welcome["type"] == "welcome"
            assert (await get(hub, "/healthz"))[0] == 200
            status, headers, body = await get(hub, "/staff")
            assert status == 404 and body == b"not found\n"
            error, code = await hub.refused({"type": "hello", "v": 1, "role": "ticket", "hall": "*",
                                             "ticket": "x" * 22})
            assert error["code"] == "unauthorized" and "serves no ticket pages" in error["message"] and code == 1008
            manager = await hub.connect("manager")
            answer = await manager.request({"type": "who"})
            assert answer["code"] == "unavailable" and "not attached" in answer["message"]
        finally:
            await hub.stop()

    asyncio.run(main())


@hub_test()
async def test_attached_the_same_hub_serves_the_pages_the_ticket_role_and_who(hub: HubHarness) -> None:
    assert hub.hub.http_fallback == hub.web.http
    assert set(hub.hub.command_handlers) == ATTACHED_COMMANDS
    status, _, body = await get(hub, "/staff")
    assert status == 200 and b"<!doctype html>" in body[:50]
    kiosk = await hub.connect("kiosk")
    ticket = await hub.issue(kiosk)
    watcher = await hub.connect("ticket", token="-", hall="*", ticket=hub.web.live.key_of("zhongshan", ticket["id"]))
    assert (await watcher.expect("ticket"))["ticket"]["number"] == ticket["number"]
    manager = await hub.connect("manager")
    who = await manager.request({"type": "who"})
    assert who["type"] == "ok" and who["result"]["ticket_pages"] == 1, json.dumps(who)
    await watcher.close()
