"""A small hall for the queue-rule tests, and helpers to drive the engine."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from zoneinfo import ZoneInfo

from signage import protocol as p
from signage.config import load_hall_text
from signage.events import on_the_wire, validate_event
from server.queue.engine import Decision, QueueEngine

HALL_YAML = """
format: 1
hall:
  id: test-hall
  name: 测试大厅
  timezone: Asia/Shanghai
  hours:
    - {open: "08:30", close: "17:30"}
rules:
  appointment_early_minutes: 5
  starvation_minutes: 60
  recall_limit: 2
  requeue_within_minutes: 30
  requeue_behind: 2
groups:
  - {id: household, name: 户籍}
services:
  - {id: id-card, prefix: A, group: household, minutes: 4, name: 身份证}
  - {id: passport, prefix: B, group: household, minutes: 6, name: 护照}
windows:
  - {number: 1, kind: love, services: all, floor: 1F, position: [1, 1]}
  - {number: 2, kind: green, services: all, floor: 1F, position: [2, 1]}
  - {number: 3, services: [id-card], floor: 1F, position: [3, 1]}
  - {number: 4, services: [passport], floor: 1F, position: [4, 1]}
floors:
  - {id: 1F, level: 1, name: 一楼, outline: [[0, 0], [10, 0], [10, 10], [0, 10]]}
"""

TZ = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ).timestamp()


def hall_config(text: str = HALL_YAML):
    result = load_hall_text(text, "test-hall.yaml")
    assert result.config is not None, [str(x) for x in result.problems]
    return result.config


class Driver:
    """Sends commands to an engine with readable one-liners and a fake clock; checks every event it
    emits against its model (signage/events.py)."""

    def __init__(self, text: str = HALL_YAML, start: float = MORNING) -> None:
        self.engine = QueueEngine(hall_config(text))
        self.now = start
        self._ids = itertools.count(1)
        self._tickets = itertools.count(1)
        self.log: list[dict] = []

    def mint(self) -> str:
        return f"tk{next(self._tickets)}"

    def at(self, minutes: float) -> "Driver":
        self.now = MORNING + minutes * 60
        return self

    def send(self, cmd_type: str, actor: str = "test", rid: str | None = None, **fields) -> Decision:
        rid = rid or f"r{next(self._ids)}"
        cmd = p.parse_client(json.dumps({"type": cmd_type, "id": rid, **fields}))
        decision = self.engine.decide(cmd, self.now, actor, self.mint)
        for e in decision.events:
            # every event the engine emits is exactly what its model says, in the log and on the wire
            validate_event(e)
            validate_event(on_the_wire(e), wire=True)
            self.engine.apply(e, self.engine.state.seq + 1)
            self.log.append(e)
        return decision

    def issue(self, service: str = "id-card", **fields) -> str:
        d = self.send("issue", actor="kiosk:1", service=service, **fields)
        assert d.ok, d.refusal
        return d.result["ticket"]["number"]

    def call_next(self, window: int) -> str | None:
        d = self.send("call_next", actor=f"window:{window}", window=window)
        return d.result["ticket"]["number"] if d.ok else None

    def refusal(self, cmd_type: str, **fields) -> str:
        d = self.send(cmd_type, **fields)
        assert not d.ok, f"{cmd_type} was accepted: {d.events}"
        return d.refusal.code
