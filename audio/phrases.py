"""What is said for a call: templates from the hall file, numbers read aloud.

A phrase is built from a template of the hall file (``voice.templates``), e.g.
``请 {ticket} 号到 {window} 号窗口办理``, and is a list of *segments*: the fixed
text between placeholders and the words a placeholder expands to. Each segment
is one clip of the voice pack, so the pack needs only a small closed set of
clips per hall (fixed phrases, letters, the ten digits, window numbers, floors)
and :func:`hall_tokens` lists exactly that set, by rendering every template
with every value the hall can produce.

The spoken languages are ``voice.languages`` (which follow the hall's own
languages when the hall file does not list them: ``signage.config.voices``), each
turned into its clip language (``zh-TW`` -> ``zh-Hant``). A language's template
is the hall's (``voice.templates``, under that tag or another tag of the same
language), else the built-in one of :mod:`audio.languages`.

Number reading, the reason this module exists (speech engines read "A023" as
"A twenty-three"), per language (:mod:`audio.languages`):

* a ticket is read character by character: letters as letters, digits one by
  one with zeros kept, and 二 (never 两): A023 -> ``A 零二三``, ``A 0 2 3``,
  ``A cero dos tres``;
* a window number is read as a number: 12 -> ``十二``, ``doce``, 101 -> ``一百零一``
  (English keeps the figures; every English engine reads them as numbers);
* a floor is read from its id (``2F``, ``B1``) or level: ``二楼``, ``floor 2``,
  ``la planta dos``.

Nothing here does I/O; every function is pure and cheap.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Literal, Mapping

from signage.config.voices import CHINESE_KEYS, voice_key
from signage.i18n import pick_own, word

from .languages import ZH_DIGITS, chinese_number, language  # noqa: F401  chinese_number: callers import it here

if TYPE_CHECKING:
    from signage.config.model import HallConfig, Voice

Kind = Literal["call", "recall"]
Terms = Mapping[str, Mapping[str, str]]  # a hall's terms: catalogue key -> {tag: word}
CHINESE = CHINESE_KEYS  # clip languages read with Chinese numerals

# Silences between segments, in seconds. Ticket characters get a clear gap so
# that 零二三 is heard as three digits; punctuation in a template is a pause.
WORD_GAP = 0.04
DIGIT_GAP = 0.09
PUNCT_GAP = 0.28
SENTENCE_GAP = 0.35

_ZH_DIGITS = ZH_DIGITS
_PUNCT = ",，.。!！?？;；:：、"
_TICKET = re.compile(r"^[A-Za-z0-9-]{1,12}$")



# --- numbers -------------------------------------------------------------------

def say_number(n: int, lang: str) -> str:
    """A window (or other) number as it is read in ``lang``: 12 -> 十二, 12, doce."""
    return language(voice_key(lang)).number(n)


def valid_ticket(number: object) -> bool:
    """True for a ticket number this module can read (letters, digits, '-'; at most 12)."""
    return isinstance(number, str) and bool(_TICKET.match(number.strip()))


def ticket_words(number: str, lang: str) -> list[str]:
    """The words of a ticket number, one per character: ``A023`` -> ``[A, 零, 二, 三]``.

    Letters are upper-cased and read as letters, digits one by one with zeros
    kept (as the language's digit words, or figures); anything else (a dash) is
    not read.
    """
    digits = language(voice_key(lang)).digits
    words: list[str] = []
    for ch in number.strip().upper():
        if "A" <= ch <= "Z":
            words.append(ch)
        elif "0" <= ch <= "9":
            words.append(digits[int(ch)] if digits else ch)
    return words


def say_ticket(number: str, lang: str) -> str:
    """A ticket number as text to read: ``A 零二三``, ``A 0 2 3``, ``A cero dos tres``."""
    words = ticket_words(number, lang)
    if not language(voice_key(lang)).digits_run_together:
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
    """A floor as it is said: ``二楼`` / ``floor 2`` / ``二樓`` / ``la planta dos``; ``地下一层`` / ``basement 1``."""
    return language(voice_key(lang)).floor(floor_number(floor_id, level))


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
    """(text, clip language to speak it in) of a service name.

    The name in the language itself (any tag of it); a Chinese voice reads
    either script (Cantonese and Traditional Mandarin prefer zh-Hant); else the
    English name, said in English; else the Chinese one, said in Mandarin.
    """
    if not names:
        return None
    key = voice_key(lang)
    by_key: dict[str, str] = {}
    for tag, text in names.items():
        if text:
            by_key.setdefault(voice_key(str(tag)), text)
    if key in CHINESE:
        order = ("zh-Hant", "zh-Hans") if key in ("zh-Hant", "yue") else ("zh-Hans", "zh-Hant")
        for k in order:
            if k in by_key:
                return by_key[k], key
    if key in by_key:
        return by_key[key], key
    for fallback in ("en", "zh-Hans", "zh-Hant"):
        if fallback in by_key:
            return by_key[fallback], ("zh-Hans" if fallback == "zh-Hant" else fallback)
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


def _parses(template: str) -> bool:
    try:
        list(string.Formatter().parse(template))
        return True
    except ValueError:
        return False


def _uses(template: str, field: str) -> bool:
    try:
        return any(f == field for _, f, _, _ in string.Formatter().parse(template))
    except ValueError:
        return False


def hall_template(voice: Voice, kind: str, lang: str) -> str | None:
    """The hall's own template of ``kind`` for ``lang``: under that tag, else under another tag
    of the same language (``zh-TW`` finds ``zh-Hant``), else None."""
    per_lang = {str(k): v for k, v in voice.templates.get(kind, {}).items() if v}  # type: ignore[call-overload]
    if lang in per_lang:
        return per_lang[lang]
    key = voice_key(lang)
    return next((text for tag, text in per_lang.items() if voice_key(tag) == key), None)


def _builtin_word(key: str) -> str:
    """The screens' word for a window that the built-in ``window_n`` of clip language ``key``
    says: "{window}號窗口" for zh-Hant and yue (whose catalogue, zh-HK's, says 櫃位)."""
    return word("window_n", language(key).catalogue or key, {})


def hall_window_term(key: str, terms: Terms | None = None) -> str | None:
    """The hall's own name for a window in clip language ``key`` (``terms: window_n``,
    ``{window}`` in it), or None: none in that language, none usable (no ``{window}``),
    or the same as the built-in phrase's word (then the built-in phrase stays)."""
    term = (terms or {}).get("window_n")
    own = pick_own(term, key) if term else None
    if own and "{window}" in own and _parses(own) and own != _builtin_word(key):
        return own
    return None


def screens_tag(tag: str, shown: Iterable[str] | None = None) -> str | None:
    """The language whose screens a voice of ``tag`` speaks for: ``tag`` itself when it is not
    its clip language (zh-TW, zh-HK), else the first of the hall's languages ``shown`` spoken
    in that clip language (a zh-TW hall's voice, zh-Hant by default), else None."""
    key = voice_key(tag)
    if tag != key:
        return tag
    return next((str(x) for x in shown or () if voice_key(str(x)) == key), None)


def regional_window_term(tag: str | None) -> str | None:
    """The window word of a regional catalogue, so that the voice says what the screens of
    ``tag`` show: zh-TW "{window}號櫃檯", zh-HK and yue "{window}號櫃位"; None when ``tag``'s
    catalogues say the built-in phrase's word (zh-Hant, en-GB, es-MX) or for no tag."""
    if not tag:
        return None
    own = word("window_n", tag, {})
    if "{window}" in own and _parses(own) and own != _builtin_word(voice_key(tag)):
        return own
    return None


def builtin_template(kind: str, lang: str, terms: Terms | None = None,
                     shown: Iterable[str] | None = None) -> str | None:
    """The built-in ``kind`` (call, recall, floor) of ``lang``, the window named as the hall names it
    (its ``terms``), else as the screens of a regional language name it (``lang`` itself, zh-TW,
    or the hall's languages ``shown``: :func:`screens_tag`)."""
    key = voice_key(lang)
    builtin = language(key)
    text = {"call": builtin.call, "recall": builtin.recall, "floor": builtin.floor_sentence}.get(kind)
    if not text:
        return None
    term = hall_window_term(key, terms)
    if term is None:
        term = regional_window_term(screens_tag(lang, shown))
    words = builtin.window_n if term is None else term
    if key not in CHINESE:
        if term is not None and words[1:2].islower():  # "Counter {window}" inside a sentence
            words = words[:1].lower() + words[1:]
        if term is not None:
            words = builtin.term(words)                  # Spanish: "el mostrador {window}"
        if text.startswith("{window_n}"):                # at the start of one
            words = words[:1].upper() + words[1:]
    return builtin.tidy(text.replace("{window_n}", words))


def template_for(voice: Voice, kind: str, lang: str, terms: Terms | None = None,
                 shown: Iterable[str] | None = None) -> str | None:
    """What ``lang`` says for ``kind`` (call, recall, floor): the hall's template, else
    the built-in one (:mod:`audio.languages`, naming the window with the hall's
    ``terms``, or as the screens of the hall's languages ``shown`` do), else None.
    A recall the hall writes no recall for, but a call, uses the hall's call (its own wording)."""
    found = hall_template(voice, kind, lang)
    if found is None and kind == "recall":
        found = hall_template(voice, "call", lang)
    return found if found is not None else builtin_template(kind, lang, terms, shown)


def floor_template(voice: Voice, lang: str, terms: Terms | None = None,
                   shown: Iterable[str] | None = None) -> str | None:
    """The sentence that names the window's floor: the hall's ``floor`` template, else a default."""
    return template_for(voice, "floor", lang, terms, shown)


def shown_languages(config: HallConfig | None) -> list[str]:
    """The languages a hall's screens show: the hall's, then any a screen adds (for :func:`screens_tag`)."""
    if config is None:
        return []
    shown = [str(x) for x in getattr(config.hall, "languages", None) or []]
    for screen in getattr(config, "screens", None) or []:
        shown += [str(x) for x in getattr(screen, "languages", None) or []]
    return list(dict.fromkeys(shown))


def call_phrases(voice: Voice, kind: Kind, values: Values, terms: Terms | None = None,
                 shown: Iterable[str] | None = None) -> list[Phrase]:
    """What to say for a call or a recall, one phrase per language of ``voice``.

    Each language speaks in its clip language (``zh-TW`` as ``zh-Hant``), once
    even if two tags name it. When ``values.other_floor`` is set (the window is
    on another floor than the listener's), a sentence naming the floor follows,
    unless the call template already has a ``{floor}``. A language with no
    template (none of the hall's, none built in) is skipped. ``terms`` are the
    hall's (``config.terms``): the built-in phrases name the window its way; ``shown``
    the languages its screens show (:func:`shown_languages`): without a term, a
    zh-Hant voice in a hall showing zh-TW says its screens' 櫃檯.
    """
    shown = list(shown or ())
    phrases: list[Phrase] = []
    said: set[str] = set()
    for tag in voice.languages:
        lang = voice_key(str(tag))
        if lang in said:
            continue
        said.add(lang)
        template = template_for(voice, kind, tag, terms, shown)
        if not template:
            continue
        phrase = render(template, lang, values)
        segments = list(phrase.segments)
        if values.other_floor and values.floor is not None and not _uses(template, "floor"):
            extra = floor_template(voice, tag, terms, shown)
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
    terms = getattr(config, "terms", None)
    shown = shown_languages(config)
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
            for phrase in call_phrases(voice, kind, values, terms, shown):  # type: ignore[arg-type]
                tokens.update((s.lang, s.text) for s in phrase.segments)
    return tokens


def all_hall_tokens(configs: Iterable[HallConfig]) -> set[tuple[str, str]]:
    """The union of :func:`hall_tokens` over several halls (one pack can serve them all)."""
    out: set[tuple[str, str]] = set()
    for c in configs:
        out |= hall_tokens(c)
    return out
