"""Ticket exhaustion: a flood of issues with one kiosk token, guessed check_in codes, and the way back.

* issue and check_in are limited per token and per hall (token buckets on the hall's clock);
  a flood over many connections with one token is stopped while another token still issues;
* wrong check_in codes are bounded per token per minute, then check_in is refused for a while;
* a manager cancels a range of tickets (``cancel_tickets``), decided in the pure engine;
* /metrics shows what was rate-limited and how much of each letter's numbers is used.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from server.hub.hub import Limits
from engine_hall import Driver
from hub_harness import TOKENS, TOKENS_YAML, HubHarness, hub_test
from metrics_text import families, scrape, series, value

SECOND_KIOSK = "test-kiosk-two-0123456789"
THIRD_KIOSK = "test-kiosk-three-0123456789"
FLOOD_TOKENS = TOKENS_YAML + f"""  - {{name: lobby-2, role: kiosk, hall: zhongshan, token: {SECOND_KIOSK}}}
  - {{name: lobby-3, role: kiosk, hall: zhongshan, token: {THIRD_KIOSK}}}
"""
# Production ticket limits (the defaults); the rest as the other hub tests have it.
PRODUCTION = dict(watch_interval=None, ping_interval=None, close_grace=0.3)


def run_hub(tmp_path: Path, test: Callable[[HubHarness], Awaitable[None]], **limits: Any) -> None:
    (tmp_path / "tokens.yaml").write_text(FLOOD_TOKENS, encoding="utf-8")

    async def main() -> None:
        hub = HubHarness(tmp_path, limits=Limits(**{**PRODUCTION, **limits}))
        await hub.start()
        try:
            await asyncio.wait_for(test(hub), 30)
        finally:
            await hub.stop()

    asyncio.run(main())


def metrics(hub: HubHarness) -> str:
    return scrape(hub.hub.port)[1]


async def flood(peers: list, per_peer: int, prefix: str) -> list[dict]:
    """Every peer sends ``per_peer`` issues without waiting; all the answers."""
    for i in range(per_peer):
        for k, peer in enumerate(peers):
            await peer.send({"type": "issue", "id": f"{prefix}{k}-{i}", "service": "id-card"})
    return [await peer.answer(f"{prefix}{k}-{i}", timeout=5) for k, peer in enumerate(peers) for i in range(per_peer)]


# --- the flood ------------------------------------------------------------------------

def test_a_flood_with_one_kiosk_token_is_stopped_while_another_kiosk_issues(tmp_path: Path) -> None:
    async def test(hub: HubHarness) -> None:
        limits = hub.hub.limits
        attackers = [await hub.connect("kiosk") for _ in range(12)]
        answers = await flood(attackers, 10, "f")  # 120 issues at once, 10 per connection
        oks = [a for a in answers if a["type"] == "ok"]
        limited = [a for a in answers if a.get("code") == "rate_limited"]
        assert len(oks) == limits.issue_burst == 10 and len(limited) == 110, [a for a in answers if a not in oks + limited]
        first = limited[0]
        assert "kiosk token lobby" in first["message"] and "try again in" in first["message"]
        assert 0 < first["retry_after"] <= 60 / limits.issue_per_minute + 0.1  # one ticket's worth
        # The second kiosk (its own token) is not held up by the flood.
        kiosk = await hub.connect("kiosk", token=SECOND_KIOSK)
        real = await kiosk.request({"type": "issue", "service": "id-card"})
        assert real["type"] == "ok" and real["result"]["ticket"]["number"] == "A011"
        # The flooding token gets one more ticket after its wait (the hall's clock moves on).
        hub.clock.now += first["retry_after"]
        again = await attackers[0].request({"type": "issue", "service": "id-card"})
        assert again["type"] == "ok"
        assert (await attackers[1].request({"type": "issue", "service": "id-card"}))["code"] == "rate_limited"
        # A retry of a request already answered is answered again, not refused: it issues nothing.
        retry = await attackers[0].request({"type": "issue", "id": oks[0]["id"], "service": "id-card"})
        assert retry["type"] == "ok" and retry["result"] == oks[0]["result"]
        # What the operator sees: who was refused, and how much of A's numbers is gone.
        text = await asyncio.to_thread(metrics, hub)
        got = series(text)
        assert value(got, "signage_hub_rate_limited_total", command="issue", hall="zhongshan", limit="token",
                     role="kiosk") == 111
        assert value(got, "signage_hub_commands_total", command="issue", hall="zhongshan", result="rate_limited") == 111
        assert value(got, "signage_hub_ticket_numbers_used_ratio", hall="zhongshan", prefix="A") == round(12 / 999, 4)
        assert value(got, "signage_hub_ticket_numbers_used_ratio", hall="zhongshan", prefix="B") == 0
        assert families(text)["signage_hub_rate_limited"][0] == "counter"

    run_hub(tmp_path, test)


def test_the_hall_limit_holds_over_every_token(tmp_path: Path) -> None:
    async def test(hub: HubHarness) -> None:
        a = await hub.connect("kiosk")
        b = await hub.connect("kiosk", token=SECOND_KIOSK)
        c = await hub.connect("kiosk", token=THIRD_KIOSK)
        answers = await flood([a, b, c], 6, "h")  # 18 asked, 6 per token: under each token's 10
        assert sum(x["type"] == "ok" for x in answers) == 12
        refused = [x for x in answers if x["type"] == "error"]
        assert {x["code"] for x in refused} == {"rate_limited"}
        assert all("hall zhongshan" in x["message"] for x in refused)
        assert hub.hub.metrics.rate_limited.get(hall="zhongshan", role="kiosk", command="issue", limit="hall") == 6
        # Refused by the hall, a token keeps what it did not use: after the hall's wait, it issues.
        hub.clock.now += refused[0]["retry_after"]
        assert (await c.request({"type": "issue", "service": "id-card"}))["type"] == "ok"

    run_hub(tmp_path, test, hall_issue_burst=12)


def test_a_steady_real_kiosk_is_never_limited(tmp_path: Path) -> None:
    async def test(hub: HubHarness) -> None:
        kiosk = await hub.connect("kiosk")
        for i in range(60):  # a citizen every 5 s for five minutes, faster than any real morning
            assert (await kiosk.request({"type": "issue", "service": "id-card"}))["type"] == "ok", i
            hub.clock.now += 5

    run_hub(tmp_path, test)


def test_limits_can_be_turned_off_and_set_from_the_command_line() -> None:
    from signage.cli import build_parser
    from server.hub.cli import ticket_limits

    args = build_parser().parse_args(["serve", "hall.yaml", "--tokens", "t.yaml", "--issue-rate", "0",
                                      "--hall-issue-burst", "50", "--check-in-misses", "0"])
    got = ticket_limits(args)
    assert got["issue_per_minute"] is None and got["check_in_misses"] is None
    assert got["hall_issue_burst"] == 50 and got["hall_issue_per_minute"] == 30
    defaults = Limits()
    args = build_parser().parse_args(["serve", "hall.yaml", "--tokens", "t.yaml"])
    assert all(getattr(defaults, k) == v for k, v in ticket_limits(args).items())
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "hall.yaml", "--tokens", "t.yaml", "--issue-burst", "0.5"])


# --- check_in codes ---------------------------------------------------------------------

BOOKED = [{"code": f"OK-{i}", "service": "passport", "slot": "09:30"} for i in range(3)]


def test_wrong_check_in_codes_lock_the_token_out_after_the_bound(tmp_path: Path) -> None:
    async def test(hub: HubHarness) -> None:
        bound, lockout = hub.hub.limits.check_in_misses, hub.hub.limits.check_in_lockout
        manager = await hub.connect("manager")
        assert (await manager.request({"type": "book", "appointments": BOOKED}))["type"] == "ok"
        guesser = await hub.connect("kiosk")
        for i in range(bound):
            answer = await guesser.request({"type": "check_in", "code": f"GUESS-{i}"})
            assert answer["code"] == "unknown_appointment", (i, answer)
        locked = await guesser.request({"type": "check_in", "code": "GUESS-X"})
        assert locked["code"] == "rate_limited" and locked["retry_after"] == lockout
        assert "wrong appointment codes" in locked["message"] and "5 min" in locked["message"]
        # Locked: even a right code waits (a guesser must not learn which codes exist) ...
        right = await guesser.request({"type": "check_in", "code": "OK-0"})
        assert right["code"] == "rate_limited" and 0 < right["retry_after"] <= lockout
        # ... from every connection of that token; a normal ticket still comes out.
        other = await hub.connect("kiosk")
        assert (await other.request({"type": "check_in", "code": "OK-0"}))["code"] == "rate_limited"
        assert (await other.request({"type": "issue", "service": "id-card"}))["type"] == "ok"
        # Another kiosk's token is not locked.
        kiosk2 = await hub.connect("kiosk", token=SECOND_KIOSK)
        assert (await kiosk2.request({"type": "check_in", "code": "OK-1"}))["type"] == "ok"
        assert hub.hub.metrics.rate_limited.get(hall="zhongshan", role="kiosk", command="check_in",
                                                limit="check_in") == 3
        # After the lockout the token checks in again.
        hub.clock.now += lockout + 1
        done = await guesser.request({"type": "check_in", "code": "OK-0"})
        assert done["type"] == "ok" and done["result"]["ticket"]["class"] == "appointment"

    run_hub(tmp_path, test)


def test_wrong_codes_spread_out_never_lock(tmp_path: Path) -> None:
    async def test(hub: HubHarness) -> None:
        manager = await hub.connect("manager")
        await manager.request({"type": "book", "appointments": BOOKED})
        kiosk = await hub.connect("kiosk")
        for i in range(30):  # citizens mistyping their code, one every 10 s
            assert (await kiosk.request({"type": "check_in", "code": f"TYPO-{i}"}))["code"] == "unknown_appointment"
            hub.clock.now += 10
        assert (await kiosk.request({"type": "check_in", "code": "ok-2"}))["type"] == "ok"  # codes: any case

    run_hub(tmp_path, test)


# --- cancel_tickets: the engine -------------------------------------------------------------

def _flooded(n: int = 12) -> Driver:
    d = Driver()
    for _ in range(n):
        d.issue("id-card")
    d.issue("passport")
    return d


def test_cancel_a_range_cancels_waiting_and_skipped_and_records_who_and_why() -> None:
    d = _flooded()
    d.call_next(3)                       # A001 called at window 3 ...
    d.send("skip", window=3)             # ... and skipped (no-show)
    d.call_next(3)                       # A002 at window 3
    cancel = d.send("cancel_tickets", actor="manager:boss", rid="c1", service="id-card",
                    **{"from": 1, "to": 10}, reason="刷号 flood from the lobby token")
    assert cancel.ok, cancel.refusal
    cancelled = [f"A{i:03d}" for i in [1, *range(3, 11)]]
    assert cancel.result["cancelled"] == cancelled and "ticket" not in cancel.result
    assert [e["type"] for e in cancel.events] == ["ticket_cancelled"] * 9
    e = cancel.events[0]
    assert e["ticket"]["number"] == "A001" and e["reason"] == "manager" and e["note"] == "刷号 flood from the lobby token"
    assert (e["actor"], e["request"], e["command"]) == ("manager:boss", "c1", "cancel_tickets")
    st = d.engine.state
    state = {t.number: t.state for t in st.tickets.values()}
    assert all(state[n] == "cancelled" for n in cancelled)
    assert state["A002"] == "called" and state["A011"] == state["A012"] == state["B001"] == "waiting"
    # The windows call past them; numbers are not given again.
    d.send("complete", window=3)
    assert d.call_next(3) == "A011"
    assert d.issue("id-card") == "A013"
    # The same request again: the same answer, nothing more.
    again = d.send("cancel_tickets", actor="manager:boss", rid="c1", service="id-card",
                   **{"from": 1, "to": 10}, reason="刷号 flood from the lobby token")
    assert again.duplicate and again.events == [] and again.result["cancelled"] == cancelled


def test_cancel_by_letter_and_replay_gives_the_same_state() -> None:
    from server.queue.engine import QueueEngine
    from engine_hall import hall_config

    d = _flooded(5)
    assert d.send("cancel_tickets", actor="manager:boss", service="a", **{"from": 2, "to": 4}, reason="test").ok
    replayed = QueueEngine(hall_config())
    for seq, e in enumerate(d.log, 1):
        replayed.apply(e, seq)
    assert replayed.state.to_json() == d.engine.state.to_json()
    assert sorted(t.number for t in replayed.state.tickets.values() if t.state == "cancelled") == ["A002", "A003", "A004"]


@pytest.mark.parametrize("fields, code, words", [
    ({"service": "id-card", "from": 20, "to": 30}, "nothing_to_cancel", "no waiting or skipped ticket A020-A030 today"),
    ({"service": "passport", "from": 2, "to": 2}, "nothing_to_cancel", "B002"),
    ({"service": "Z", "from": 1, "to": 3}, "unknown_service", "id-card (A)"),
    ({"service": "nowhere", "from": 1, "to": 3}, "unknown_service", '"nowhere"'),
])
def test_cancel_refusals(fields: dict, code: str, words: str) -> None:
    d = _flooded(3)
    refused = d.send("cancel_tickets", actor="manager:boss", reason="why", **fields)
    assert refused.refusal is not None and refused.refusal.code == code and words in refused.refusal.message
    assert refused.events == []


def test_cancel_leaves_tickets_at_windows_to_the_window() -> None:
    d = _flooded(1)
    d.call_next(3)
    refused = d.send("cancel_tickets", actor="manager:boss", reason="why", service="A", **{"from": 1, "to": 1})
    assert refused.refusal.code == "nothing_to_cancel"
    assert "A001 (window 3): at a window, finished there (complete or skip)" in refused.refusal.message


def test_cancel_at_most_so_many_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from signage import protocol as p

    monkeypatch.setattr(p, "MAX_CANCEL", 4)
    d = _flooded(6)
    refused = d.send("cancel_tickets", actor="manager:boss", reason="why", service="A", **{"from": 1, "to": 6})
    assert refused.refusal.code == "too_many" and "at most 4 at once" in refused.refusal.message
    assert d.send("cancel_tickets", actor="manager:boss", reason="why", service="A", **{"from": 1, "to": 4}).ok


def test_cancel_needs_a_reason_and_an_ordered_range() -> None:
    from signage import protocol as p

    for fields, where in [({"from": 1, "to": 3}, "reason: Field required"),
                          ({"from": 1, "to": 3, "reason": " "}, "reason: blank"),
                          ({"from": 4, "to": 3, "reason": "x"}, "from: 4 is after to (3)"),
                          ({"from": 0, "to": 3, "reason": "x"}, "from: Input should be greater than or equal to 1")]:
        with pytest.raises(p.ProtocolError) as err:
            p.parse_client(json.dumps({"type": "cancel_tickets", "id": "c", "service": "A", **fields}))
        assert err.value.code == "bad_field" and where in err.value.message, err.value.message


# --- cancel_tickets: through the hub --------------------------------------------------------

@hub_test()
async def test_a_manager_cancels_a_flood_and_every_screen_hears_it(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    for _ in range(5):
        await hub.issue(kiosk)
    refused = await kiosk.request({"type": "cancel_tickets", "service": "A", "from": 1, "to": 5, "reason": "x"})
    assert refused["code"] == "forbidden"
    window = await hub.connect("window", window=3)
    assert (await window.request({"type": "cancel_tickets", "service": "A", "from": 1, "to": 5,
                                  "reason": "x"}))["code"] == "forbidden"
    answer = await manager.request({"type": "cancel_tickets", "service": "id-card", "from": 2, "to": 4,
                                    "reason": "同一令牌刷号"})
    assert answer["type"] == "ok" and answer["result"]["cancelled"] == ["A002", "A003", "A004"]
    events = [e for e in await screen.drain(0.3) if e.get("type") == "event"]
    cancelled = [e["event"] for e in events if e["event"]["type"] == "ticket_cancelled"]
    assert [c["ticket"]["number"] for c in cancelled] == ["A002", "A003", "A004"]
    assert {(c["actor"], c["note"], c["reason"]) for c in cancelled} == {("manager:boss", "同一令牌刷号", "manager")}
    assert (await window.request({"type": "call_next", "window": 3}))["result"]["ticket"]["number"] == "A001"
    assert (await window.request({"type": "call_next", "window": 3}))["result"]["ticket"]["number"] == "A005"
    nothing = await manager.request({"type": "cancel_tickets", "service": "A", "from": 2, "to": 4, "reason": "again"})
    assert nothing["code"] == "nothing_to_cancel"


def test_serve_options_and_signage_cancel(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`signage serve --issue-burst 5 --issue-rate 1` as a real process, a flood, `signage cancel` after it."""
    import re
    import subprocess
    import sys

    from websockets.sync.client import connect

    from signage.cli import main as signage
    from test_hub_cli import ROOT, open_all_day

    hall = open_all_day(tmp_path)
    (tmp_path / "tokens.yaml").write_text(FLOOD_TOKENS, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "signage.cli", "serve", str(hall), "--tokens", str(tmp_path / "tokens.yaml"),
         "--db", str(tmp_path / "hub.db"), "--port", "0", "--log-level", "WARNING",
         "--issue-burst", "5", "--issue-rate", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        match = re.search(r"ws://127\.0\.0\.1:(\d+)", proc.stdout.readline())
        assert match, proc.stderr.read() if proc.poll() is not None else ""
        url = f"ws://127.0.0.1:{match.group(1)}"
        with connect(url, compression=None, max_size=2**23) as ws:
            ws.send(json.dumps({"type": "hello", "v": 1, "role": "kiosk", "hall": "zhongshan", "token": TOKENS["kiosk"]}))
            assert json.loads(ws.recv(timeout=3))["type"] == "welcome"
            for i in range(8):
                ws.send(json.dumps({"type": "issue", "id": f"f{i}", "service": "id-card"}))
            answers = {}
            while len(answers) < 8:
                msg = json.loads(ws.recv(timeout=3))
                if msg.get("type") in ("ok", "error"):
                    answers[msg["id"]] = msg
        codes = [answers[f"f{i}"].get("code", "ok") for i in range(8)]
        assert codes[:5] == ["ok"] * 5 and set(codes[5:]) == {"rate_limited"}, codes  # (a refill in 1 s at most)
        manager = ["--hub", url, "--token", TOKENS["manager"]]
        assert signage(["cancel", *manager, "--service", "A", "--from", "1", "--to", "5", "--reason", "flood"]) == 0
        assert capsys.readouterr().out.strip() == "5 tickets cancelled: A001, A002, A003, A004, A005"
        assert signage(["cancel", *manager, "--service", "A", "--from", "1", "--to", "5", "--reason", "flood"]) == 1
        assert "nothing_to_cancel" in capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()
