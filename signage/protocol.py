"""The wire protocol between the hub and its clients, version 1.

Defined once here and imported by every side (hub, screens, announcers, the CLI
clients; the browser pages follow ``docs/protocol.md``, which describes these
same models). Every frame is a JSON text object with a ``type``.

* A client's first message is ``hello``; the hub answers ``welcome`` (with a
  snapshot and its current ``seq``) or ``error`` and closes.
* Client messages may carry an ``id``; the hub answers each with ``ok`` or
  ``error`` carrying the same ``id``.
* The hub pushes ``event`` (each with a gap-free ``seq``), ``estimates``,
  ``messages``, ``config`` and ``notice``.

Every frame the hub sends has its model here and, next to it, its builder
(``Ok.frame(...)``, ``Error.frame(...)``...): the hub builds plain dicts with the
builders, in the key order clients have always seen, and serialises them once for
every client (the hot path never validates); the tests check the hub's frames
against the models (:func:`validate_hub_frame`). The events inside ``event``
frames are in :mod:`signage.events` (:data:`EVENT_MODELS`, the one list of event
types). :data:`ROLE_POLICY` says what each role may send, and for what.
:func:`protocol_schema` is all of it as a JSON Schema (``signage schema --protocol``).

:func:`parse_client` and :func:`parse_hub` never raise: bad input becomes a
:class:`ProtocolError` with a code and a message for a person.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, Strict,
                      TypeAdapter, ValidationError, WithJsonSchema, model_validator)
from pydantic_core import PydanticCustomError

from .config.model import Message as HallMessage
from .config.values import Lang
from .events import EVENT_MODELS, EVENT_TYPES, NoticeBody, Ticket, on_the_wire, validate_event  # noqa: F401 (re-exported)

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024  # commands are small; screenshots travel over HTTP

Role = Literal["screen", "announcer", "window", "kiosk", "guide", "manager", "ticket"]
# Roles a token in the tokens file may have. ``ticket`` is not one of them: a
# "my ticket" page says hello with the ticket's unguessable link key instead.
ROLES: tuple[str, ...] = ("screen", "announcer", "window", "kiosk", "guide", "manager")
TICKET_ROLE = "ticket"


# --- the text rule ------------------------------------------------------------------
#
# Every string a client sends passes one rule before anything else sees it:
#
# * no lone UTF-16 surrogates ("a\ud800b" is valid JSON, not text: no font draws it,
#   UTF-8 cannot hold it, a log line with it fails to print);
# * no control characters, C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F): NUL, BEL,
#   ESC... are drawn as boxes on the screens and rewrite a terminal that shows the log.
#   The line break U+000A only where a text really has lines (a notice), never CR;
#   the Unicode line and paragraph separators U+2028/U+2029 count as line breaks;
# * no bidirectional embeddings, overrides or isolates (U+202A-U+202E, U+2066-U+2069):
#   they reorder what people read ("A023" shown as "320A"); plain text needs none;
# * text for people is then Unicode NFC-normalised (one spelling for one text). Keys the
#   hub echoes (request ids, tokens, link keys) are checked the same way but kept as
#   sent: rewriting a key would break the client's matching of answers.
#
# A string that breaks it is refused with ``bad_field`` naming the field, the character
# and its position (what, where, how to fix). :func:`escape_text` is the same rule for
# output: what was stored before the rule existed is shown escaped, never raw.

_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BAD_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED", 0x0B: "VT",
                  0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESC", 0x7F: "DEL"}


def _char_name(ch: str) -> str:
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "")
    return f"U+{code:04X} {name}".rstrip()


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` breaks the text rule (for a person), or None if it does not."""
    bad = (_BAD_LINES if multiline else _BAD_LINE).search(value)
    if bad is None:
        return None
    ch, where = bad.group(), f"at character {bad.start() + 1}"
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return (f"a lone UTF-16 surrogate (U+{code:04X}) {where} is not a character: "
                "send the text as valid Unicode (UTF-8)")
    if code in (0x0A, 0x0D, 0x2028, 0x2029):
        if multiline:  # CR or a Unicode separator in a text with lines
            return f"{_char_name(ch)} {where}: start a new line with \\n (U+000A) only"
        return f"a line break ({_char_name(ch)}) {where}: this field is one line of text; remove it"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return (f"a bidirectional control ({_char_name(ch)}) {where} can reorder what people read; "
                "remove it (plain text needs no direction controls)")
    return (f"a control character ({_char_name(ch)}) {where}: send plain text without control characters"
            + ("" if multiline else " or line breaks"))


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # pydantic says what was expected
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError("text", "{reason}", {"reason": problem})
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _lines(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    problem = text_problem(value, multiline=True)
    if problem is not None:
        raise PydanticCustomError("text", "{reason}", {"reason": problem})
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _key(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError("text", "{reason}", {"reason": problem})
    return value


def _json_text(value: Any, at: str = "", depth: int = 0) -> Any:
    """Every string (keys too) of a JSON value under the one-line rule, NFC; ``at`` is the path so far."""
    if depth > 20:
        raise PydanticCustomError("text", "{reason}", {"reason": "nested more than 20 levels deep", "at": at})
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise PydanticCustomError("text", "{reason}", {"reason": problem, "at": at})
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_json_text(v, f"{at}.{i}", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            problem = text_problem(k) if isinstance(k, str) else None
            if problem is not None:
                raise PydanticCustomError("text", "{reason}", {"reason": f"a key: {problem}", "at": at})
            out[unicodedata.normalize("NFC", k) if isinstance(k, str) else k] = _json_text(v, f"{at}.{k}", depth + 1)
        return out
    return value


# One line of text for people (reasons, comments, names, ids matched against the hall file).
Text = Annotated[str, BeforeValidator(_text)]
# A text that may have lines (a notice): the same rule, with U+000A allowed.
Lines = Annotated[str, BeforeValidator(_lines)]
# A key the hub echoes or compares (request ids, tokens, link keys): checked, kept as sent.
Key = Annotated[str, BeforeValidator(_key)]


def escape_text(value: Any) -> str:
    """``value`` as one line safe to print or log: every character the text rule refuses
    (line breaks too) becomes ``\\xNN`` or ``\\uNNNN``."""
    return _BAD_LINE.sub(_escaped, str(value))


def escape_lines(value: Any) -> str:
    """Like :func:`escape_text` but keeping line breaks (U+000A): for multi-line log records."""
    return _BAD_LINES.sub(_escaped, str(value))


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: "re.Match[str]") -> str:
    ch = match.group()
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


RequestId = Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_key)]
TicketRef = Annotated[str, Field(min_length=1, max_length=64, description="ticket id or its number (A023)"),
                      BeforeValidator(_text)]
Name = Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_text)]  # an id in the hall file
# Whole numbers are JSON integers: `true`, "3" and 3.0 are refused, not taken for 1 and 3.
WholeNumber = Annotated[int, Strict()]
WindowNumber = Annotated[WholeNumber, Field(ge=1, le=999)]
Score = Annotated[WholeNumber, Field(ge=1, le=4)]  # a rating: 1 不满意 … 4 非常满意
ShortText = Annotated[str, Field(max_length=200), BeforeValidator(_text)]
# An appointment's time of day, 00:00 to 23:59: a "25:00" slot would be stored, then fail every check-in.
Slot = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"), BeforeValidator(_key)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True, by_alias=True)


# --- client -> hub ---------------------------------------------------------------

class Hello(Message):
    type: Literal["hello"]
    v: Literal[1] = Field(description="protocol version")
    role: Role
    hall: Name
    token: Annotated[str, Field(max_length=256), BeforeValidator(_key)] = ""
    screen: Annotated[str, Field(max_length=64), BeforeValidator(_text)] | None = None
    window: WindowNumber | None = None
    zone: Annotated[str, Field(max_length=64), BeforeValidator(_text)] | None = None
    since: Annotated[WholeNumber, Field(ge=0)] | None = Field(None, description="last seq this client saw")
    client: Annotated[str, Field(max_length=100), BeforeValidator(_text)] | None = Field(
        None, description="program name, for logs")
    ticket: Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_key)] | None = Field(
        None, description="role ticket: the link key of the ticket to watch (/t/<key>)")
    id: RequestId | None = None


class Command(Message):
    """A command changes the hall; ``id`` makes a retry safe (one effect)."""

    id: RequestId


# A priority category: an id of the hall's ``priority.categories`` (docs/hall-format.md; without
# the section elderly, disabled, pregnant, infant, military, other). The engine refuses an id the
# hall does not list (unknown_priority); here only its form is checked.
PriorityKind = Annotated[str, Field(min_length=1, max_length=64,
                                    description="免预约优先: who qualifies, a category id of the hall's "
                                                "(priority.categories, e.g. elderly)"),
                         BeforeValidator(_text)]


class Issue(Command):
    type: Literal["issue"]
    service: Name
    priority: PriorityKind | None = Field(None, description="免预约优先: who qualifies (a category id of the hall's)")
    green: bool = Field(False, description="绿色通道: urgent (set by staff or a guide)")
    reason: ShortText | None = Field(
        None, description="why a green-channel (required) or priority ticket: the urgent case, e.g. a flight in 3 days")
    appointment: Annotated[str, Field(max_length=64), BeforeValidator(_text)] | None = Field(
        None, description="appointment code (a booked code checks the booking in, as check_in does)")
    slot: Slot | None = Field(None, description="appointment time HH:MM")


AppointmentCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$",
                                       description="the code the citizen got when booking (letters, digits, -)"),
                            BeforeValidator(_text)]


def _real_day(value: str) -> str:
    dt.date.fromisoformat(value)  # 2026-02-30 is not a day
    return value


IsoDay = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_real_day), BeforeValidator(_key)]


class Booking(Message):
    """One appointment in a ``book`` command (from the booking system's list for the day)."""

    code: AppointmentCode
    service: Name
    slot: Slot = Field(description="HH:MM in the hall's time zone")
    day: IsoDay | None = Field(None, description="YYYY-MM-DD in the hall's time zone; default today")


class Book(Command):
    """Manager: record appointments (a booking system's list) so that kiosks can check them in."""

    type: Literal["book"]
    appointments: Annotated[list[Booking], Field(min_length=1, max_length=500)]


class CheckIn(Command):
    """Kiosk: a citizen with an appointment arrived; issue the appointment's ticket (class appointment)."""

    type: Literal["check_in"]
    code: AppointmentCode


class WindowCommand(Command):
    window: WindowNumber


class CallNext(WindowCommand):
    type: Literal["call_next"]


class Call(WindowCommand):
    type: Literal["call"]
    ticket: TicketRef


class Recall(WindowCommand):
    type: Literal["recall"]


class Start(WindowCommand):
    """The called citizen is at the counter: called -> serving."""

    type: Literal["start"]


class Skip(WindowCommand):
    type: Literal["skip"]


class Requeue(WindowCommand):
    type: Literal["requeue"]
    ticket: TicketRef


class Transfer(WindowCommand):
    type: Literal["transfer"]
    service: Annotated[str, Field(max_length=64), BeforeValidator(_text)] | None = None
    to_window: WindowNumber | None = None


class Complete(WindowCommand):
    type: Literal["complete"]


class Pause(WindowCommand):
    type: Literal["pause"]
    reason: ShortText = ""
    until: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$"), BeforeValidator(_key)] | None = None


class Resume(WindowCommand):
    type: Literal["resume"]


class Open(WindowCommand):
    type: Literal["open"]


class Close(WindowCommand):
    type: Literal["close"]


class Rate(WindowCommand):
    type: Literal["rate"]
    ticket: TicketRef | None = None
    score: Score = Field(description="4 非常满意, 3 满意, 2 基本满意, 1 不满意")
    attitude: Score | None = None
    efficiency: Score | None = None
    environment: Score | None = None
    comment: ShortText | None = None


# Text for people, per language ({"zh-Hans": ..., "en": ...}), as in the hall file.
# A notice may have lines (U+000A; screens draw them as paragraphs); nothing else of a command has.
# Its keys are BCP 47 tags as a hall's languages are (zh-Hans, zh-TW, en, es...; signage/languages.py).
MessageText = dict[Lang, Annotated[str, Field(max_length=500), BeforeValidator(_lines)]]


class SetMessages(Command):
    type: Literal["set_messages"]
    # Checked as messages by the engine (the hall file's model); every string in them (keys too)
    # passes the one-line text rule here, with its path named (messages.0.text.en).
    messages: Annotated[list[Annotated[dict[str, Any], BeforeValidator(_json_text)]], Field(max_length=100)]


class SetNotice(Command):
    type: Literal["set_notice"]
    text: MessageText
    style: Literal["banner", "fullscreen"] = "banner"
    screens: list[Annotated[str, Field(max_length=64), BeforeValidator(_text)]] | None = Field(
        None, description="default: every screen")


MAX_CANCEL = 1000  # tickets one cancel_tickets may cancel: its events stay well below a client's backlog limit


class CancelTickets(Command):
    """Manager: cancel the waiting and skipped tickets of one ticket letter whose numbers lie in
    ``from``..``to`` (a flood of tickets, a printer that printed a stack); ``reason`` is recorded
    with every ticket cancelled, with who sent the command."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["cancel_tickets"]
    service: Annotated[Name, Field(description="a service id or its ticket letter (A)")]
    from_: Annotated[WholeNumber, Field(ge=1, le=99_999)] = Field(alias="from", description="first number (23 for A023)")
    to: Annotated[WholeNumber, Field(ge=1, le=99_999)] = Field(description="last number, included")
    reason: Annotated[str, Field(min_length=1, max_length=200), BeforeValidator(_text)] = Field(
        description="why: recorded with each cancelled ticket")

    @model_validator(mode="after")
    def _range_and_reason(self) -> "CancelTickets":
        if self.from_ > self.to:
            raise PydanticCustomError("range", "{reason}", {
                "reason": f"{self.from_} is after to ({self.to}): give the lower number first", "at": "from"})
        if not self.reason.strip():
            raise PydanticCustomError("blank", "{reason}", {
                "reason": "blank: say why the tickets are cancelled (it is recorded with each)", "at": "reason"})
        return self


class ClearNotice(Command):
    type: Literal["clear_notice"]


class Reload(Command):
    type: Literal["reload"]


class Ping(Message):
    type: Literal["ping"]
    id: RequestId | None = None


class Who(Command):
    """Manager: which clients are connected to this hall now (answered in ``ok.result.clients``)."""

    type: Literal["who"]


ScreenId = Name


class Screenshot(Command):
    """Manager: ask a connected screen for a picture of what it shows (``screenshot_ready`` follows)."""

    type: Literal["screenshot"]
    screen: ScreenId


MAX_SCREENSHOT_PART = 48 * 1024  # base64 characters per part: a part stays well below a 64 KiB frame
MAX_SCREENSHOT_PARTS = 160       # about 5.6 MiB of PNG


class ScreenshotPart(Message):
    """Screen: one part of the PNG asked for by ``screenshot_request`` (base64, in order or not)."""

    type: Literal["screenshot_part"]
    request: Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_key)]
    index: Annotated[WholeNumber, Field(ge=0, lt=MAX_SCREENSHOT_PARTS)]
    count: Annotated[WholeNumber, Field(ge=1, le=MAX_SCREENSHOT_PARTS)]
    data: Annotated[str, Field(max_length=MAX_SCREENSHOT_PART, pattern=r"^[A-Za-z0-9+/]*={0,2}$",
                               description="base64 (standard alphabet, no line breaks)"), BeforeValidator(_key)]
    id: RequestId | None = None

    @model_validator(mode="after")
    def _index_below_count(self) -> "ScreenshotPart":
        if self.index >= self.count:
            raise ValueError(f"index {self.index} is not below count {self.count}")
        return self


# --- the hall editor (docs/editor.md): a manager reads, checks, edits and publishes the hall file ---
#
# A draft is the whole text of a hall file. One that fits a frame travels as ``text``; a larger
# one (up to the loader's 1 MiB) first as ``config_part`` messages under a ``draft`` key of the
# connection's choosing, which the commands then name instead of ``text``. The text is taken as
# sent (no text rule, no normalising): the hall file's own checks judge it, as `signage validate`
# would, with pointed problems.

MAX_DRAFT_PART = 32 * 1024   # characters of a draft per config_part (a part's frame stays below 64 KiB ...
MAX_DRAFT_PARTS = 64         # ... unless its text is mostly escapes; split smaller then)
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the file's bytes, hex"),
                   BeforeValidator(_key)]
VersionNumber = Annotated[WholeNumber, Field(ge=1, le=10_000_000)]
DraftKey = Annotated[str, Field(min_length=1, max_length=64, description="the connection's name for a draft"),
                     BeforeValidator(_key)]
DraftText = Annotated[str, Field(max_length=MAX_FRAME_BYTES, description="the whole hall file, as written")]


class _Draft(Command):
    text: DraftText | None = None
    draft: DraftKey | None = Field(None, description="a draft sent before as config_part messages")

    @model_validator(mode="after")
    def _one_source(self) -> "_Draft":
        if (self.text is not None and self.draft is not None) or (
                self.text is None and self.draft is None and self._needs_draft):
            raise PydanticCustomError("draft", "{reason}", {
                "reason": "give the hall file's text as text, or name a draft sent as config_part, not both"})
        return self

    _needs_draft = True


class ConfigPart(Command):
    """Manager: one part of a draft too large for one frame (its text, in order or not)."""

    type: Literal["config_part"]
    draft: DraftKey
    index: Annotated[WholeNumber, Field(ge=0, lt=MAX_DRAFT_PARTS)]
    count: Annotated[WholeNumber, Field(ge=1, le=MAX_DRAFT_PARTS)]
    data: Annotated[str, Field(max_length=MAX_DRAFT_PART)]

    @model_validator(mode="after")
    def _index_below_count(self) -> "ConfigPart":
        if self.index >= self.count:
            raise ValueError(f"index {self.index} is not below count {self.count}")
        return self


class ConfigGet(Command):
    """Manager: the hall file as it is now (``ok.result``: text, version, hash)."""

    type: Literal["config_get"]


class ConfigCheck(_Draft):
    """Manager: the problems of a draft, as `signage validate` finds them (nothing is written)."""

    type: Literal["config_check"]


class ConfigPublish(_Draft):
    """Manager: make a draft the hall file (checked, written atomically, a new version, reloaded)."""

    type: Literal["config_publish"]
    base_hash: Sha256 = Field(description="the hash of the file the draft started from (config_get)")
    note: ShortText = Field("", description="one line: what changed and why")
    accept_warnings: bool = Field(False, description="publish although the draft has warnings")


class ConfigHistory(Command):
    """Manager: the versions of the hall file, newest first."""

    type: Literal["config_history"]


class ConfigVersion(Command):
    """Manager: one version's text and its diff against the version before."""

    type: Literal["config_version"]
    version: VersionNumber


class ConfigRollback(Command):
    """Manager: make an old version the hall file again (a new version, byte for byte the old one)."""

    type: Literal["config_rollback"]
    version: VersionNumber
    base_hash: Sha256
    note: ShortText = ""
    accept_warnings: bool = False


class Edit(Message):
    """One form edit: the value at ``path`` (services[2].name.en) becomes ``value``."""

    path: Annotated[str, Field(min_length=1, max_length=300), BeforeValidator(_text)]
    value: Annotated[Any, BeforeValidator(_json_text)] = None


class ConfigEdit(_Draft):
    """Manager: apply form edits to a draft, keeping every other character (nothing is written)."""

    type: Literal["config_edit"]
    edits: Annotated[list[Edit], Field(min_length=1, max_length=200)]


class ConfigPreview(_Draft):
    """Manager: a picture of one screen as a draft (or, without text or draft, the file now) would
    show it, drawn off-screen, with the texts below the legibility rule."""

    type: Literal["config_preview"]
    screen: ScreenId
    state: Literal["live", "sample"] = Field("live", description="the hall's queue now, or a sample of it")
    _needs_draft = False


ClientMessage = Annotated[
    Union[Hello, Issue, CallNext, Call, Recall, Start, Skip, Requeue, Transfer, Complete, Pause,
          Resume, Open, Close, Rate, SetMessages, SetNotice, ClearNotice, Reload, Ping,
          Who, Screenshot, ScreenshotPart, Book, CheckIn, CancelTickets,
          ConfigPart, ConfigGet, ConfigCheck, ConfigPublish, ConfigHistory, ConfigVersion, ConfigRollback,
          ConfigEdit, ConfigPreview],
    Field(discriminator="type"),
]

# The commands that name a window (``window``): a window role may send them for its own number only.
WINDOW_COMMANDS = ("call_next", "call", "recall", "start", "skip", "requeue", "transfer", "complete",
                   "pause", "resume", "open", "close", "rate")

# The hall editor's commands (docs/editor.md): a manager's only.
CONFIG_COMMANDS = ("config_part", "config_get", "config_check", "config_publish", "config_history",
                   "config_version", "config_rollback", "config_edit", "config_preview")

Scope = Literal["hall", "window", "screen", "ticket"]


@dataclass(frozen=True)
class RolePolicy:
    """What a role may send after hello (``commands``) and for which part of the hall (``scope``).

    * ``hall``: the whole hall (its token's halls);
    * ``window``: one window: the hello must name it (``window``), the token must list it and the
      hall file have it; every command naming a window must name that one; the actor is
      ``window:<n>`` for every token of that window (so a retry from another console dedupes);
    * ``screen``: one screen: a token that lists screens binds it to them (its hello's
      ``screen`` must be one of them); a hello without a screen id is taken from a token
      that lists none;
    * ``ticket``: one ticket, named by the link key in hello (``ticket``), without a token.

    Every hello's ``screen`` and ``zone``, when given, must be in the hall file, whatever the role.
    """

    commands: frozenset[str]
    scope: Scope


# Who may do what: one row per role (server/hub/hub.py ``_hello`` and ``_on_frame`` read it;
# tests/test_protocol_registry.py checks there is a row for every role). Screens and announcers only read.
ROLE_POLICY: dict[str, RolePolicy] = {
    "screen": RolePolicy(frozenset({"ping", "screenshot_part"}), "screen"),  # a part of a picture a manager asked for
    "announcer": RolePolicy(frozenset({"ping"}), "hall"),
    "kiosk": RolePolicy(frozenset({"ping", "issue", "check_in"}), "hall"),
    # 引导员: the guide's tablet at the entrance issues every class of ticket (green with a reason,
    # priority, appointment check-in) and calls nothing.
    "guide": RolePolicy(frozenset({"ping", "issue", "check_in"}), "hall"),
    # A window's console calls its own number, and may issue a ticket (a green-channel case at the counter).
    "window": RolePolicy(frozenset({"ping", "issue", *WINDOW_COMMANDS}), "window"),
    "manager": RolePolicy(frozenset({"ping", "issue", "check_in", "book", "cancel_tickets", "set_messages",
                                     "set_notice", "clear_notice", "reload", "who", "screenshot",
                                     *WINDOW_COMMANDS, *CONFIG_COMMANDS}), "hall"),
    "ticket": RolePolicy(frozenset({"ping"}), "ticket"),  # a "my ticket" page only watches
}
# What each role may send after hello (the commands of ROLE_POLICY).
ROLE_COMMANDS: dict[str, frozenset[str]] = {role: policy.commands for role, policy in ROLE_POLICY.items()}


# --- hub -> client -------------------------------------------------------------------
#
# One model per frame the hub sends, and next to it the frame's builder: ``X.frame(...)`` is the
# plain dict the hub serialises (keys in the order clients have always seen; a field left None is
# left out, unless it means something as null). The models are what a client may rely on; their
# payloads (a snapshot, an event, the hall file) are plain objects here, so that a client takes
# what it knows and ignores the rest, and :func:`validate_hub_frame` checks them exactly (tests).

# A client's request id as the hub echoes it: as the client sent it. An ``error`` for a frame that
# broke the text rule echoes an id that breaks it too (escaped in the JSON), so that the client can
# match the answer; the text rule is for what clients send, not for what the hub echoes.
# (pydantic's own str refuses a lone surrogate: this one only counts characters.)


def _echoed(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise ValueError("a request id is a string of 1 to 64 characters")
    return value


EchoedId = Annotated[str, PlainValidator(_echoed), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64})]


class Welcome(Message):
    type: Literal["welcome"]
    v: Literal[1] = 1
    hall: str
    role: Role
    seq: int
    snapshot: dict[str, Any] | None = Field(None, description="the hall's public state; absent when replaying")
    replay: bool = Field(False, description="true: the events after `since` follow instead of a snapshot")
    config: dict[str, Any] | None = None
    id: EchoedId | None = None

    @staticmethod
    def frame(hall: str, role: str, seq: int, replay: bool, id: str | None = None, *,
              snapshot: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> dict[str, Any]:
        """The welcome; a hub that holds the snapshot and the hall file already serialised appends
        them after these keys (``server.hub.hall.spliced``), snapshot first."""
        msg: dict[str, Any] = {"type": "welcome", "v": PROTOCOL_VERSION, "hall": hall, "role": role, "seq": seq,
                               "replay": replay}
        if id is not None:
            msg["id"] = id
        if snapshot is not None:
            msg["snapshot"] = snapshot
        if config is not None:
            msg["config"] = config
        return msg


class Ok(Message):
    type: Literal["ok"]
    id: EchoedId | None = None
    result: dict[str, Any] | None = None

    @staticmethod
    def frame(id: str | None = None, result: dict[str, Any] | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {"type": "ok"}
        if id is not None:
            msg["id"] = id
        if result is not None:
            msg["result"] = result
        return msg


class Error(Message):
    type: Literal["error"]
    id: EchoedId | None = None
    code: str
    message: str
    retry_after: float | None = Field(None, description="rate_limited: seconds until the same command may succeed")
    problems: list[dict[str, Any]] | None = Field(
        None, description="config_invalid, config_warnings: the draft's problems ({line, path, message, severity})")
    diff: str | None = Field(None, description="config_conflict: unified diff from the file now to the draft")
    hash: str | None = Field(None, description="config_conflict: the hash of the file now")

    @staticmethod
    def frame(code: str, message: str, id: str | None = None, retry_after: float | None = None, *,
              problems: list[dict[str, Any]] | None = None, diff: str | None = None,
              hash: str | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if retry_after is not None:
            msg["retry_after"] = retry_after
        if problems is not None:
            msg["problems"] = problems
        if diff is not None:
            msg["diff"] = diff
        if hash is not None:
            msg["hash"] = hash
        if id is not None:
            msg["id"] = id
        return msg


class EventMessage(Message):
    type: Literal["event"]
    seq: int
    event: dict[str, Any] = Field(description="one of the events of signage/events.py, in its wire form")

    @staticmethod
    def frame(seq: int, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` must be in its wire form already (:func:`signage.events.on_the_wire`)."""
        return {"type": "event", "seq": seq, "event": event}


class Estimates(Message):
    type: Literal["estimates"]
    at: float
    seq: int | None = Field(None, description="the last event these estimates reflect (absent from older hubs)")
    services: dict[str, Any]
    tickets: dict[str, Any] | None = None

    @staticmethod
    def frame(at: float, services: dict[str, Any], seq: int | None = None,
              tickets: dict[str, Any] | None = None) -> dict[str, Any]:
        """``tickets`` None: the per-service estimates only (what screens get)."""
        msg: dict[str, Any] = {"type": "estimates", "at": at}
        if seq is not None:
            msg["seq"] = seq
        msg["services"] = services
        if tickets is not None:
            msg["tickets"] = tickets
        return msg


class Messages(Message):
    type: Literal["messages"]
    messages: list[dict[str, Any]]

    @staticmethod
    def frame(messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"type": "messages", "messages": messages}


class ConfigPush(Message):
    type: Literal["config"]
    config: dict[str, Any]

    @staticmethod
    def frame(config: dict[str, Any] | None = None) -> dict[str, Any]:
        """``config`` None: the hub appends the hall file it holds serialised (``server.hub.hall.spliced``)."""
        return {"type": "config"} if config is None else {"type": "config", "config": config}


class Notice(Message):
    type: Literal["notice"]
    notice: dict[str, Any] | None

    @staticmethod
    def frame(notice: dict[str, Any] | None) -> dict[str, Any]:
        """``notice`` None: the notice was cleared (``null`` on the wire)."""
        return {"type": "notice", "notice": notice}


class Pong(Message):
    type: Literal["pong"]
    id: EchoedId | None = None

    @staticmethod
    def frame(id: str | None = None) -> dict[str, Any]:
        return {"type": "pong"} if id is None else {"type": "pong", "id": id}


class TicketView(Message):
    """To a ``ticket`` client: its ticket's public view (docs/protocol.md), after every change."""

    type: Literal["ticket"]
    ticket: dict[str, Any]

    @staticmethod
    def frame(ticket: dict[str, Any]) -> dict[str, Any]:
        return {"type": "ticket", "ticket": ticket}


class ScreenshotRequest(Message):
    """To a screen: send a PNG of what you show now, as ``screenshot_part`` messages."""

    type: Literal["screenshot_request"]
    request: str

    @staticmethod
    def frame(request: str) -> dict[str, Any]:
        return {"type": "screenshot_request", "request": request}


class ScreenshotReady(Message):
    """To the manager who asked: the picture can be fetched from ``url`` (HTTP GET with the manager's token)."""

    type: Literal["screenshot_ready"]
    request: str
    screen: str
    url: str
    bytes: int

    @staticmethod
    def frame(request: str, screen: str, url: str, size: int) -> dict[str, Any]:
        return {"type": "screenshot_ready", "request": request, "screen": screen, "url": url, "bytes": size}


class ScreenshotFailed(Message):
    type: Literal["screenshot_failed"]
    request: str
    screen: str
    message: str

    @staticmethod
    def frame(request: str, screen: str, message: str) -> dict[str, Any]:
        return {"type": "screenshot_failed", "request": request, "screen": screen, "message": message}


HubMessage = Annotated[
    Union[Welcome, Ok, Error, EventMessage, Estimates, Messages, ConfigPush, Notice, Pong,
          TicketView, ScreenshotRequest, ScreenshotReady, ScreenshotFailed],
    Field(discriminator="type"),
]

_client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)
_hub_adapter: TypeAdapter[Any] = TypeAdapter(HubMessage)


# --- the payloads, exactly (tests, the schema) -------------------------------------------

class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowSnapshot(_Exact):
    number: int
    state: Literal["closed", "open", "paused"]
    reason: str | None = None
    until: str | None = None
    ticket: Ticket | None = Field(None, description="the ticket called to or served at it")
    ticket_state: Literal["called", "serving"] | None = None
    since: float | None = Field(None, description="when that ticket was called")
    served: int | None = Field(None, ge=0, description="tickets completed today")
    service_seconds: float | None = Field(None, ge=0, description="their service time today, summed")


class RecentCall(_Exact):
    seq: int = Field(description="the seq of the call's event")
    ticket: Ticket
    window: int
    at: float
    recall: int = Field(ge=0, description="0: the first call; n: the n-th call again")


class Snapshot(_Exact):
    """A hall's public state (``welcome.snapshot``): the fold of its events up to ``seq``."""

    day: str | None
    seq: int | None = Field(None, description="the last event folded in (the welcome's seq)")
    windows: dict[str, WindowSnapshot] = Field(description="by window number (a string, as JSON keys are)")
    recent_calls: list[RecentCall] = Field(max_length=20, description="newest first")
    waiting: dict[str, int] = Field(description="tickets waiting, by service id")
    waiting_since: dict[str, dict[str, float]] | None = Field(
        None, description="(optional) by service id, each waiting ticket's id and when it was issued")
    messages: list[HallMessage] | None = Field(description="null: the hall file's messages apply")
    notice: NoticeBody | None


def validate_hub_frame(frame: str | bytes | dict[str, Any]) -> Any:
    """A hub frame as its model, its payloads checked exactly (an event against its model in its
    wire form, a snapshot, a notice, messages); raises :class:`pydantic.ValidationError` (or
    ``ValueError``). For tests and tools: clients parse with :func:`parse_hub`."""
    obj = frame if isinstance(frame, dict) else json.loads(frame)
    msg = _hub_adapter.validate_python(obj)  # any size: a welcome with its hall file is larger than a command
    if isinstance(msg, EventMessage):
        validate_event(msg.event, wire=True)
    elif isinstance(msg, Welcome) and msg.snapshot is not None:
        Snapshot.model_validate(msg.snapshot)
    elif isinstance(msg, Notice) and msg.notice is not None:
        NoticeBody.model_validate(msg.notice)
    elif isinstance(msg, Messages):
        for m in msg.messages:
            HallMessage.model_validate(m)
    return msg


# --- errors ----------------------------------------------------------------------------

class ProtocolError(Exception):
    """A frame that is not a valid message. ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id

    def to_error(self) -> Error:
        return Error(type="error", id=self.request_id, code=self.code, message=self.message)


def _request_id(obj: Any) -> str | None:
    rid = obj.get("id") if isinstance(obj, dict) else None
    return rid if isinstance(rid, str) and 0 < len(rid) <= 64 else None


def _parse(frame: str | bytes, adapter: TypeAdapter[Any], known: set[str]) -> Any:
    if isinstance(frame, bytes):
        raise ProtocolError("binary_frame", "send JSON text frames, not binary ones")
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError("too_large", f"frame of {len(frame)} bytes; at most {MAX_FRAME_BYTES}")
    try:
        obj = json.loads(frame)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("bad_json", f"not JSON: {exc}") from None
    rid = _request_id(obj)
    if not isinstance(obj, dict):
        raise ProtocolError("bad_message", "a message is a JSON object with a \"type\"")
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", "the message has no \"type\"", rid)
    if kind not in known:
        raise ProtocolError("unknown_type", f'unknown message type "{escape_text(kind)}"', rid)
    try:
        return adapter.validate_python(obj)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"][1:]) + str((first.get("ctx") or {}).get("at", ""))
        text = first["msg"].removeprefix("Value error, ")
        raise ProtocolError("bad_field", f"{kind}: {where.lstrip('.') or 'message'}: {text}", rid) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise ProtocolError("bad_field", f"{kind}: {exc}", rid) from None


def _types(union: Any) -> set[str]:
    from typing import get_args

    members = get_args(get_args(union)[0])
    return {get_args(m.model_fields["type"].annotation)[0] for m in members}


CLIENT_TYPES = _types(ClientMessage)
HUB_TYPES = _types(HubMessage)


def parse_client(frame: str | bytes) -> Any:
    """A client frame as its message model, or raise :class:`ProtocolError`."""
    return _parse(frame, _client_adapter, CLIENT_TYPES)


def parse_hub(frame: str | bytes) -> Any:
    """A hub frame as its message model, or raise :class:`ProtocolError`."""
    return _parse(frame, _hub_adapter, HUB_TYPES)


def error(code: str, message: str, request_id: str | None = None) -> str:
    return Error(type="error", id=request_id, code=code, message=message).to_json()


# --- the JSON Schema ---------------------------------------------------------------------

def _members(union: Any) -> list[type[BaseModel]]:
    return list(get_args(get_args(union)[0]))


def protocol_schema() -> dict[str, Any]:
    """The wire protocol as one JSON Schema (draft 2020-12): a frame is a ``ClientMessage`` or a
    ``HubFrame`` ($defs); the events an ``event`` frame carries are the ``Event`` union, one model
    per type of :data:`EVENT_MODELS`; a welcome's snapshot is ``Snapshot``. Printed by
    ``signage schema --protocol``."""
    from pydantic.json_schema import models_json_schema

    client, hub, events = _members(ClientMessage), _members(HubMessage), list(EVENT_MODELS.values())
    refs, top = models_json_schema([(m, "validation") for m in client + hub + events + [Snapshot]],
                                   by_alias=True, ref_template="#/$defs/{model}")

    def ref(model: type[BaseModel]) -> dict[str, str]:
        return {"$ref": refs[(model, "validation")]["$ref"]}

    def name(model: type[BaseModel]) -> str:
        return ref(model)["$ref"].rsplit("/", 1)[1]

    defs = top["$defs"]
    defs["Event"] = {"description": "An event (signage/events.py), in its wire form.",
                     "oneOf": [ref(m) for m in events]}
    defs["ClientMessage"] = {"description": "A frame from a client.", "oneOf": [ref(m) for m in client]}
    defs["HubFrame"] = {"description": "A frame from the hub.", "oneOf": [ref(m) for m in hub]}
    event = defs[name(EventMessage)]["properties"]["event"]
    defs[name(EventMessage)]["properties"]["event"] = {"$ref": "#/$defs/Event", "description": event.get("description", "")}
    welcome = defs[name(Welcome)]["properties"]
    welcome["snapshot"] = {"anyOf": [ref(Snapshot), {"type": "null"}],
                           "description": welcome["snapshot"].get("description", "")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Wire protocol (version {PROTOCOL_VERSION})",
        "description": "Every frame between the hub and its clients (docs/protocol.md).",
        "oneOf": [{"$ref": "#/$defs/ClientMessage"}, {"$ref": "#/$defs/HubFrame"}],
        "$defs": defs,
    }
