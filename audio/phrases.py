"""What is said for a call: templates from the hall file, numbers read aloud.

A phrase is built from a template of the hall file (``voice.templates``), e.g.
``请 {ticket} 号到 {window} 号窗口办理``, and is a list of *segments*: the fixed
text between placeholders and the words a placeholder expands to. Each segment
is one clip of the voice pack, so the pack needs only a small closed set of
clips per hall (fixed phrases, letters, the ten digits, window numbers, floors)
and :func:`hall_tokens` lists exactly that set, by rendering every template
with every value the hall can produce.

Number reading, the reason this module exists (speech engines read "A023" as
"A twenty-three"):

* a ticket is read character by character: letters as letters, digits one by
  one with zeros kept, and 二 (never 两): A023 -> ``A 零二三``, ``A 0 2 3``;
* a window number is read as a number: 12 -> ``十二``, 101 -> ``一百零一``
  (English keeps the figures; every English engine reads them as numbers);
* a floor is read from its id (``2F``, ``B1``) or level: ``二楼``, ``floor 2``.

Nothing here does I/O; every function is pure and cheap.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Literal, Mapping

if TYPE_CHECKING:
    from signage.config.model import HallConfig, Voice

Kind = Literal["call", "recall"]
CHINESE = ("zh-Hans", "yue")

# Silences between segments, in seconds. Ticket characters get a clear gap so
# that 零二三 is heard as three digits; punctuation in a template is a pause.
WORD_GAP = 0.04
DIGIT_GAP = 0.09
PUNCT_GAP = 0.28
SENTENCE_GAP = 0.35

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_UNITS = ("", "十", "百", "千")
_PUNCT = ",，.。!！?？;；:：、"
_TICKET = re.compile(r"^[A-Za-z0-9-]{1,12}$")

DEFAULT_FLOOR_TEMPLATES: dict[str, str] = {
    "zh-Hans": "{window} 号窗口在 {floor}",
    "yue": "{window} 號窗口喺 {floor}",
    "en": "Window {window} is on {floor}",
}


# --- numbers -------------------------------------------------------------------

def chinese_number(n: int) -> str:
    """A whole number as Chinese numerals: 10 -> 十, 12 -> 十二, 101 -> 一百零一.

    Always 二 (the reading of a figure, as on a ticket), never 两. Numbers of
    five or more digits are read digit by digit, as nobody says 一万零一号窗口.
    """
    if n < 0:
        return "负" + chinese_number(-n)
    if n >= 10_000:
        return "".join(_ZH_DIGITS[int(d)] for d in str(n))
    if n < 10:
        return _ZH_DIGITS[n]
    digits = str(n)
    out = ""
    zero = False
    for i, ch in enumerate(digits):
        d = int(ch)
        if d == 0:
            zero = True
            continue
        if zero and out:
            out += "零"
        zero = False
        out += _ZH_DIGITS[d] + _ZH_UNITS[len(digits) - 1 - i]
    if 10 <= n < 20:
        out = out[1:]  # 十二, not 一十二
    return out


def say_number(n: int, lang: str) -> str:
    """A window (or other) number as it is read in ``lang``."""
    return chinese_number(n) if lang in CHINESE else str(n)


def valid_ticket(number: object) -> bool:
    """True for a ticket number this module can read (letters, digits, '-'; at most 12)."""
    return isinstance(number, str) and bool(_TICKET.match(number.strip()))


def ticket_words(number: str, lang: str) -> list[str]:
    """The words of a ticket number, one per character: ``A023`` -> ``[A, 零, 二, 三]``.

    Letters are upper-cased and read as letters, digits one by one with zeros
    kept; anything else (a dash) is not read.
    """
    words: list[str] = []
    for ch in number.strip().upper():
        if "A" <= ch <= "Z":
            words.append(ch)
        elif "0" <= ch <= "9":
            words.append(_ZH_DIGITS[int(ch)] if lang in CHINESE else ch)
    return words


def say_ticket(number: str, lang: str) -> str:
    """A ticket number as text to read: ``A 零二三`` or ``A 0 2 3``."""
    words = ticket_words(number, lang)
    if lang not in CHINESE:
        return " ".join(words)
    out = ""
    for w in words:  # Chinese digits run together, letters stand apart
        if out and not (w in _ZH_DIGITS and out[-1] in _ZH_DIGITS):
            out += " "
        out += w
    return out


def floor_number(floor_id: str, level: int) -> int:
    """The floor people mean: ``2F`` -> 2, ``B1`` -> -1; otherwise ``level``.

    Negative numbers are basements; 0 is a ground floor where the hall counts
    from 0.
    """
    m = re.fullmatch(r"[Ll]?(\d+)[Ff]?", floor_id)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"[Bb](\d+)[Ff]?", floor_id)
    if m:
        return -int(m.group(1))
    return level


def say_floor(floor_id: str, level: int, lang: str) -> str:
    """A floor as it is said: ``二楼`` / ``floor 2`` / ``二樓``; ``地下一层`` / ``basement 1``."""
    n = floor_number(floor_id, level)
    if lang == "en":
        return f"floor {n}" if n > 0 else f"basement {-n}" if n < 0 else "the ground floor"
    if lang == "yue":
        return f"{chinese_number(n)}樓" if n > 0 else f"地庫{chinese_number(-n)}樓" if n < 0 else "地下"
    return f"{chinese_number(n)}楼" if n > 0 else f"地下{chinese_number(-n)}层" if n < 0 else "地面层"


# --- segments and phrases ------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    """One clip's worth of speech: its text, the language to speak it in, the
    silence after it (seconds). ``(lang, text)`` is the clip's key in a pack."""

    text: str
    lang: str
    pause: float = WORD_GAP


@dataclass(frozen=True)
class Phrase:
    """What is said in one language: segments in order."""

    lang: str
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """The segments' texts joined by spaces (for logs and file names)."""
        return " ".join(s.text for s in self.segments)


@dataclass(frozen=True)
class Values:
    """What fills a template: the ticket number, the window, the window's floor
    (``(id, level)``, or None if unknown), the service's names per language, and
    whether the floor is another than the listener's (then it is said)."""

    ticket: str
    window: int
    floor: tuple[str, int] | None = None
    service: Mapping[str, str] | None = None
    other_floor: bool = False


def _service_name(names: Mapping[str, str] | None, lang: str) -> tuple[str, str] | None:
    """(text, language to speak it in) of a service name; Chinese stands in for a missing one."""
    if not names:
        return None
    order = {"en": ("en", "zh-Hans"), "yue": ("zh-Hant", "zh-Hans"), "zh-Hans": ("zh-Hans", "zh-Hant")}
    for key in order.get(lang, (lang,)):
        if names.get(key):
            return names[key], ("zh-Hans" if key == "zh-Hans" and lang == "en" else lang)
    return None


def _clean(text: str) -> str:
    return " ".join(text.split())


def render(template: str, lang: str, values: Values) -> Phrase:
    """A template filled in and cut into segments.

    Punctuation at the edge of a fixed text becomes a pause and is not part of
    the clip text, so ``Ticket {ticket}, please go`` gives the clips ``Ticket``
    and ``please go`` with a pause after the ticket. A placeholder with no value
    (no floor, no service name) and unknown placeholders are left out.
    """
    segments: list[Segment] = []

    def pause_last(seconds: float) -> None:
        if segments:
            last = segments[-1]
            segments[-1] = Segment(last.text, last.lang, max(last.pause, seconds))

    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:  # a broken template is reported by validation; say it as text
        parts = [(template.replace("{", " ").replace("}", " "), None, None, None)]
    for literal, field, _spec, _conv in parts:
        text = _clean(literal)
        if text:
            if text[0] in _PUNCT:
                pause_last(PUNCT_GAP)
            end_pause = PUNCT_GAP if text[-1] in _PUNCT else WORD_GAP
            text = text.strip(_PUNCT + " ")
            if text:
                segments.append(Segment(text, lang, end_pause))
            else:
                pause_last(end_pause)
        if field == "ticket":
            words = ticket_words(values.ticket, lang)
            for i, w in enumerate(words):
                segments.append(Segment(w, lang, DIGIT_GAP if i < len(words) - 1 else WORD_GAP))
        elif field == "window":
            segments.append(Segment(say_number(values.window, lang), lang))
        elif field == "floor" and values.floor is not None:
            segments.append(Segment(say_floor(values.floor[0], values.floor[1], lang), lang))
        elif field == "service":
            name = _service_name(values.service, lang)
            if name is not None:
                segments.append(Segment(_clean(name[0]).strip(_PUNCT), name[1]))
    return Phrase(lang, tuple(s for s in segments if s.text))


def _uses(template: str, field: str) -> bool:
    try:
        return any(f == field for _, f, _, _ in string.Formatter().parse(template))
    except ValueError:
        return False


def floor_template(voice: Voice, lang: str) -> str | None:
    """The sentence that names the window's floor: the hall's ``floor`` template, else a default."""
    hall = {str(k): v for k, v in voice.templates.get("floor", {}).items()}
    return hall.get(lang) or DEFAULT_FLOOR_TEMPLATES.get(lang)


def call_phrases(voice: Voice, kind: Kind, values: Values) -> list[Phrase]:
    """What to say for a call or a recall, one phrase per language of ``voice``.

    When ``values.other_floor`` is set (the window is on another floor than
    the listener's), a sentence naming the floor follows, unless the call
    template already has a ``{floor}``. A language without a template is skipped; a
    recall without a recall template uses the call template.
    """
    phrases: list[Phrase] = []
    templates = voice.templates
    for lang in voice.languages:
        template = templates.get(kind, {}).get(lang) or templates.get("call", {}).get(lang)
        if not template:
            continue
        phrase = render(template, lang, values)
        segments = list(phrase.segments)
        if values.other_floor and values.floor is not None and not _uses(template, "floor"):
            extra = floor_template(voice, lang)
            if extra:
                if segments:
                    last = segments[-1]
                    segments[-1] = Segment(last.text, last.lang, max(last.pause, SENTENCE_GAP))
                segments += render(extra, lang, values).segments
        if segments:
            phrases.append(Phrase(lang, tuple(segments)))
    return phrases


# --- what a hall needs ------------------------------------------------------------

def _cycle(items: list, n: int) -> Iterator:
    for i in range(n):
        yield items[i % len(items)] if items else None


def hall_tokens(config: HallConfig) -> set[tuple[str, str]]:
    """Every ``(lang, text)`` clip the hall's announcements can need.

    Found by rendering each template with values that together take every
    ticket letter, every digit, every window, every floor and every service of
    the hall, so it cannot drift from what :func:`call_phrases` produces.
    """
    voice = config.voice
    floors = [(f.id, f.level) for f in config.floors]
    other_floor = len(floors) > 1
    services = [(dict(s.name), s.prefix) for s in config.services]
    windows = [w.number for w in config.windows]
    n = max(len(services), len(windows), len(floors), 1)
    tokens: set[tuple[str, str]] = set()
    for service, window, floor in zip(_cycle(services, n), _cycle(windows, n), _cycle(floors, n)):
        names, prefix = service if service else (None, "A")
        values = Values(ticket=f"{prefix}0123456789", window=window or 1, floor=floor,
                        service=names, other_floor=other_floor)
        for kind in ("call", "recall"):
            for phrase in call_phrases(voice, kind, values):  # type: ignore[arg-type]
                tokens.update((s.lang, s.text) for s in phrase.segments)
    return tokens


def all_hall_tokens(configs: Iterable[HallConfig]) -> set[tuple[str, str]]:
    """The union of :func:`hall_tokens` over several halls (one pack can serve them all)."""
    out: set[tuple[str, str]] = set()
    for c in configs:
        out |= hall_tokens(c)
    return out
