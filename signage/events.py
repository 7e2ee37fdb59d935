"""The events of a hall, version 1 of the protocol: one model per event type, and the one registry.

An event is what happened in a hall (a ticket issued, a call, a window paused). The
queue engine (``server/queue/engine.py``) emits them as plain dicts, the hub stores
them in its log and sends them to the clients inside ``event`` frames
(:class:`signage.protocol.EventMessage`), and every side folds them: the engine
(``_FOLDERS``), the screens' view (``signage/view.py``, ``_EVENTS``), the announcer
(``audio/announcer.py``, ``SPOKEN_EVENTS``). :data:`EVENT_MODELS` is the list of
event types; ``tests/test_protocol_registry.py`` checks each of those tables, the
docs and the JSON Schema against it, and validates every event the engine emits in
the tests against its model here.

Two forms of one event:

* **in the log** (what the engine emits): an appointment's ``code`` is kept;
* **on the wire** (:func:`on_the_wire`, what clients get): a checked-in ticket's
  ``appointment`` is ``true`` and a booking has no ``code``: the code is what a
  citizen checks in with, and screens stand in the public hall; a green-channel
  or priority ticket's ``reason`` (the urgent case) stays in the log.

Every event has ``type`` and ``at`` (Unix seconds on the hub's clock); an event
caused by a command also has ``request`` (the command's id), ``actor`` (who sent it:
``window:3``, ``kiosk:lobby``, ``manager:boss``) and ``command`` (its type). The events
of a new day carry the three of the command that found the new day, or none when the
hub's periodic tick found it.

The models check the hub's output in tests and describe it in ``signage schema
--protocol``; the hub itself never builds events through them (the hot path stays
plain dicts). A client must ignore event types and fields it does not know: newer
hubs may add some (docs/protocol.md, Versioning).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from .config.model import Message as HallMessage
from .config.values import Lang

Seconds = Annotated[float, Field(description="Unix seconds (UTC) on the hub's clock")]
WindowNo = Annotated[int, Field(ge=1, le=999, description="a window's number")]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD in the hall's time zone")]
CallingClass = Literal["green", "priority", "appointment", "normal"]
Priority = Annotated[str, Field(min_length=1, max_length=64,
                                description="a priority category id of the hall's (priority.categories)")]


class Part(BaseModel):
    """A part of an event: exactly these fields, nothing else (a drift fails the tests)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Ticket(Part):
    """A ticket as it travels in events (the short form): ``server.queue.rules.Ticket.short``."""

    id: str = Field(description="unguessable ticket id")
    number: str = Field(description="the number people see (A023)")
    service: str = Field(description="service id")
    klass: CallingClass = Field(alias="class", description="calling class")


class IssuedTicket(Ticket):
    """A new ticket, in ``ticket_issued`` (the long form)."""

    issued_at: Seconds
    priority: Priority | None = Field(description="免预约优先: who qualifies")
    appointment: Literal[True] | str | None = Field(
        description="in the log the appointment code; on the wire `true` (the code never reaches clients)")
    slot: Seconds | None = Field(description="the appointment's time (Unix seconds)")


class Booked(Part):
    """One appointment, in ``appointment_booked``."""

    code: str | None = Field(None, description="in the log only: absent on the wire")
    service: str
    slot: str = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM in the hall's time zone")
    day: Day


class NoticeBody(Part):
    """An urgent notice, in ``notice_set`` (and the ``notice`` frame, the snapshot)."""

    text: dict[Lang, str]
    style: Literal["banner", "fullscreen"]
    screens: list[str] | None = Field(description="screen ids; null: every screen")


class Event(Part):
    """What every event has."""

    type: str
    at: Seconds
    request: str | None = Field(None, description="the id of the command that caused it (absent: time alone did)")
    actor: str | None = Field(None, description="who sent that command: window:3, kiosk:<token name>, ...")
    command: str | None = Field(None, description="that command's type")

    @model_validator(mode="after")
    def _cause_whole(self) -> "Event":
        given = [self.request is not None, self.actor is not None, self.command is not None]
        if any(given) and not all(given):
            raise ValueError("request, actor and command come together (an event caused by a command) or not at all")
        return self


class AtWindow(Event):
    """An event of a ticket at a window."""

    ticket: Ticket
    window: WindowNo


class DayStarted(Event):
    type: Literal["day_started"]
    day: Day


class TicketIssued(Event):
    type: Literal["ticket_issued"]
    ticket: IssuedTicket
    ahead: int = Field(ge=0, description="waiting tickets a window serving it would call before it "
                                         "(server.queue.rules.ahead_counts)")
    counter: int = Field(ge=1, description="the ticket letter's counter after this ticket (the number's digits)")
    reason: str | None = Field(None, description="a green-channel or priority ticket's reason (the urgent case); "
                                                 "in the log only: absent on the wire")


class TicketCalled(AtWindow):
    type: Literal["ticket_called"]
    out_of_order: Literal[True] | None = Field(None, description="true: called by number (`call`), not the next in line")


class TicketRecalled(AtWindow):
    type: Literal["ticket_recalled"]
    count: int = Field(ge=1, description="how many times it has been called again")


class TicketServing(AtWindow):
    type: Literal["ticket_serving"]


class TicketCompleted(AtWindow):
    type: Literal["ticket_completed"]
    service_seconds: float = Field(ge=0, description="from the start of service (else the call) to now")


class TicketSkipped(AtWindow):
    type: Literal["ticket_skipped"]


class TicketRequeued(AtWindow):
    type: Literal["ticket_requeued"]
    order_at: Seconds = Field(description="its new place in line (过号重排)")


class TicketTransferred(AtWindow):
    type: Literal["ticket_transferred"]
    to_service: str
    to_window: WindowNo | None = Field(description="it waits for this window only; null: any window of to_service")


class TicketCancelled(Event):
    type: Literal["ticket_cancelled"]
    ticket: Ticket
    reason: Literal["day_end", "manager"] = Field(
        description="day_end: the hall closed for the night; manager: cancel_tickets")
    note: str | None = Field(None, description="reason manager: the reason the manager gave")

    @model_validator(mode="after")
    def _note_with_manager(self) -> "TicketCancelled":
        if (self.note is not None) != (self.reason == "manager"):
            raise ValueError("a note comes with reason manager, and only with it")
        return self


class WindowOpened(Event):
    type: Literal["window_opened"]
    window: WindowNo


class WindowClosed(Event):
    type: Literal["window_closed"]
    window: WindowNo


class WindowResumed(Event):
    type: Literal["window_resumed"]
    window: WindowNo


class WindowPaused(Event):
    type: Literal["window_paused"]
    window: WindowNo
    reason: str | None
    until: str | None = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM")


Score = Annotated[int, Field(ge=1, le=4)]


class Rated(Event):
    type: Literal["rated"]
    window: WindowNo
    ticket: Ticket | None
    score: Score
    attitude: Score | None
    efficiency: Score | None
    environment: Score | None
    comment: str | None


class AppointmentBooked(Event):
    type: Literal["appointment_booked"]
    appointment: Booked


class MessagesSet(Event):
    type: Literal["messages_set"]
    messages: list[HallMessage] = Field(description="as in the hall file's messages")


class NoticeSet(Event):
    type: Literal["notice_set"]
    notice: NoticeBody


class NoticeCleared(Event):
    type: Literal["notice_cleared"]


class ConfigPublished(Event):
    """A manager published a new version of the hall file, or rolled it back to an old one (the
    hall editor, docs/editor.md). The text itself is in the log's versions table; screens follow
    the ``config`` push that comes with the reload."""

    type: Literal["config_published"]
    version: int = Field(ge=1, description="the new version's number (1: the file as the hub first loaded it)")
    hash: str = Field(description="sha256 of the file's bytes, hex")
    note: str = Field(description="the manager's one-line note")
    size: int = Field(ge=0, description="the file's size in bytes")
    rollback_of: int | None = Field(None, description="a rollback: the old version whose text this is")


def _type_of(model: type[Event]) -> str:
    return model.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]


# The event types, once. Adding one here without its fold, its place in the view, its line in
# docs/protocol.md... fails tests/test_protocol_registry.py.
EVENT_MODELS: dict[str, type[Event]] = {_type_of(m): m for m in (
    DayStarted, TicketIssued, TicketCalled, TicketRecalled, TicketServing, TicketCompleted, TicketSkipped,
    TicketRequeued, TicketTransferred, TicketCancelled, WindowOpened, WindowClosed, WindowResumed, WindowPaused,
    Rated, AppointmentBooked, MessagesSet, NoticeSet, NoticeCleared, ConfigPublished)}
EVENT_TYPES: frozenset[str] = frozenset(EVENT_MODELS)

AnyEvent = Annotated[Union[tuple(EVENT_MODELS.values())], Field(discriminator="type")]  # type: ignore[valid-type]
_adapter: TypeAdapter[Any] = TypeAdapter(AnyEvent)


def validate_event(event: dict[str, Any], *, wire: bool = False) -> Event:
    """``event`` as its model; raises :class:`pydantic.ValidationError` (or ``ValueError``) if it is
    not exactly what its model says. ``wire``: as clients get it (no appointment code)."""
    model = _adapter.validate_python(event)
    if wire:
        if isinstance(model, TicketIssued) and isinstance(model.ticket.appointment, str):
            raise ValueError("ticket_issued on the wire carries the appointment code")
        if isinstance(model, TicketIssued) and model.reason is not None:
            raise ValueError("ticket_issued on the wire carries the green-channel or priority reason")
        if isinstance(model, AppointmentBooked) and model.appointment.code is not None:
            raise ValueError("appointment_booked on the wire carries the appointment code")
    return model


def on_the_wire(event: dict[str, Any]) -> dict[str, Any]:
    """The event as clients see it. An appointment's code is what a citizen checks in with:
    it stays in the log (and in the kiosk's own answer) but never reaches the screens, the
    announcers or the windows, whose PCs stand in the public hall."""
    kind = event.get("type")
    if kind == "ticket_issued" and ("reason" in event or (event.get("ticket") or {}).get("appointment")):
        # A green-channel or priority reason (a flight, an illness) is the citizen's own business too.
        wire = {k: v for k, v in event.items() if k != "reason"}
        if (event.get("ticket") or {}).get("appointment"):
            wire["ticket"] = {**event["ticket"], "appointment": True}
        return wire
    if kind == "appointment_booked" and isinstance(event.get("appointment"), dict):
        booked = {k: v for k, v in event["appointment"].items() if k != "code"}
        return {**event, "appointment": booked}
    return event
