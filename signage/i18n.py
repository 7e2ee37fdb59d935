"""Choosing the words a screen shows: one :data:`Text` in one language.

Languages are BCP 47 tags (``zh-Hans``, ``zh-Hant``, ``zh-TW``, ``en``, ``es``,
``yue``...; :mod:`signage.languages` checks them and knows their fallbacks).

**A hall's texts** (a service's name, a message) are mappings ``{tag: text}``
written in the hall file (a plain string there is in the hall's first language).
:func:`pick` gives one for a language, always something to show:

* the language itself, else the next of its chain (``zh-TW`` -> ``zh-Hant``,
  ``yue`` -> ``zh-HK`` -> ``zh-Hant``, ``es-MX`` -> ``es``), else any text of the
  same language and script (``es-MX`` written, ``es`` shown);
* Traditional Chinese converted from the Simplified text (OpenCC ``s2t``) when
  only Simplified is written, and the other way round (``t2s``);
* otherwise English, otherwise the first language written.

**The product's own words** ("最近叫号", "Recent calls", the directions, the names
of the kinds of points) are data: one catalogue per language in
``signage/catalogues/<tag>.yaml`` (docs/languages.md), full for zh-Hans, zh-Hant,
en and es, regional ones (zh-TW, zh-HK) holding only the words that differ.
:func:`t` looks a word up along the same chain, then converts Chinese, then English.

**A hall's terms** (``terms:`` in the hall file: ``{window_n: {en: "Counter
{window}"}}``) replace catalogue words for that hall. The screen installs them for
the frame it draws (:func:`use_terms`, done by the widgets' ``Ctx``); :func:`t` and
everything built on it (:func:`wait_text`, :func:`window_label`, the directions)
then use them without any widget changing. :func:`catalogue` gives a whole
catalogue, terms applied, as JSON for the web pages.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import math
import string
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping

from .languages import chain, is_chinese, is_traditional, split

LANGS = ("zh-Hans", "zh-Hant", "en")  # the languages the product began with (kept for old callers)
CATALOGUE_DIR = Path(__file__).with_name("catalogues")
# Catalogues every key is written in (tests/test_catalogues.py holds them to it).
FULL = ("zh-Hans", "zh-Hant", "en", "es")

Terms = Mapping[str, Mapping[str, str]]


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    from opencc import OpenCC  # loading its dictionaries takes ~70 ms: only when needed

    return OpenCC(config)


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Simplified -> Traditional Chinese (OpenCC ``s2t``); the text itself if OpenCC fails."""
    try:
        return _converter("s2t").convert(text)
    except Exception:  # a missing dictionary must not blank a screen
        return text


@lru_cache(maxsize=4096)
def _traditional_for(text: str, lang: str) -> str:
    """Simplified -> the Traditional of ``lang``: Taiwan's (OpenCC ``s2tw``: 這裡) for zh-TW,
    Hong Kong's (``s2hk``) for zh-HK, yue..., else ``s2t`` (characters only, never words:
    s2twp would turn 窗口 into 視窗)."""
    region = "TW" if "zh-TW" in chain(lang) else "HK" if "zh-HK" in chain(lang) else None
    if region is None:
        return to_traditional(text)
    try:
        return _converter("s2tw" if region == "TW" else "s2hk").convert(text)
    except Exception:
        return to_traditional(text)


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    try:
        return _converter("t2s").convert(text)
    except Exception:
        return text


# --- catalogues ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Catalogue:
    """One file of ``signage/catalogues/``: a language's words."""

    language: str
    name: str
    words: Mapping[str, str]
    sentence_case: bool | None = None  # None: as the language it falls back to
    path: Path | None = None


def catalogue_tags() -> tuple[str, ...]:
    """The languages with a catalogue file, in file-name order."""
    return tuple(sorted(p.stem for p in CATALOGUE_DIR.glob("*.yaml")))


def read_catalogue(folder: Path, tag: str) -> dict[Any, Any] | None:
    """The mapping in ``folder/<tag>.yaml`` (a screens' or a pages' catalogue); None if there is
    no such file (a ``tag`` with a ``/`` has none), it cannot be read, or it holds no mapping."""
    path = folder / f"{tag}.yaml"
    if "/" in tag or not path.is_file():
        return None
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


@lru_cache(maxsize=64)
def load_catalogue(tag: str) -> Catalogue | None:
    """The catalogue of exactly ``tag`` (no fallback); None if there is no file or it is broken."""
    data = read_catalogue(CATALOGUE_DIR, tag)
    words = data.get("words") if data is not None else None
    if not isinstance(words, dict):
        return None
    sc = data.get("sentence_case")
    return Catalogue(str(data.get("language", tag)), str(data.get("name", tag)),
                     {str(k): str(v) for k, v in words.items() if v is not None},
                     sc if isinstance(sc, bool) else None, CATALOGUE_DIR / f"{tag}.yaml")


def has_catalogue(lang: str) -> bool:
    """Whether ``lang`` has words of its own: a catalogue on its chain before the last resort
    (``zh-TW`` has zh-Hant's, ``es-MX`` es's, ``vi`` none: it shows English)."""
    steps = chain(lang)
    return any(load_catalogue(tag) is not None for tag in (steps if split(lang).language == "en" else steps[:-1]))


def reload() -> None:
    """Forget the catalogues read (after editing a file, or a test pointing CATALOGUE_DIR elsewhere)."""
    load_catalogue.cache_clear()
    _catalogue_word.cache_clear()
    _traditional_for.cache_clear()


def keys() -> tuple[str, ...]:
    """Every key of the product's words (those of the English catalogue)."""
    en = load_catalogue("en")
    return tuple(en.words) if en else ()


def placeholders(text: str) -> set[str]:
    """``{window}`` and ``{n}`` of a word; a broken one makes ``{!}``."""
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"!"}


# --- the hall's terms, installed for the frame being drawn -----------------------------------

_TERMS: contextvars.ContextVar[Terms | None] = contextvars.ContextVar("signage_terms", default=None)
# What the screen last installed, for threads that draw ahead (a new thread starts with an
# empty context): the one hall a screen process shows.
_INSTALLED: list[Terms] = [{}]


def current_terms() -> Terms:
    terms = _TERMS.get()
    return _INSTALLED[0] if terms is None else terms


def set_terms(terms: Terms | None) -> contextvars.Token:
    """Install a hall's terms from now on (the screen does it for each frame it draws);
    :func:`reset_terms` undoes it in this context."""
    _INSTALLED[0] = terms or {}
    return _TERMS.set(terms or {})


def reset_terms(token: contextvars.Token) -> None:
    _TERMS.reset(token)


@contextmanager
def use_terms(terms: Terms | None) -> Iterator[None]:
    """``with use_terms(config.terms): ...``: :func:`t` uses the hall's words inside."""
    token = _TERMS.set(terms or {})
    try:
        yield
    finally:
        _TERMS.reset(token)


# --- looking words up ---------------------------------------------------------------------------

def _own(text: Mapping[str, str], lang: str, loose: bool = True) -> str | None:
    """The text in ``lang``'s own chain (not the last resort, English, unless it is English),
    else (``loose``) another region's of the same script (zh-TW written, zh-HK shown), else
    converted between Chinese scripts when only the other is written; None if none."""
    steps = chain(lang)
    for tag in steps[:-1] if split(lang).language != "en" else steps:
        value = text.get(tag)
        if value:
            return value
    if is_chinese(lang):
        same = _first_of(text, lambda k: is_chinese(k) and is_traditional(k) == is_traditional(lang)) if loose else None
        if same:
            return same
        if is_traditional(lang):
            source = (_first_of(text, lambda k: is_chinese(k) and not is_traditional(k)) if loose
                      else text.get("zh-Hans"))
            return _traditional_for(source, lang) if source else None
        source = _first_of(text, is_traditional) if loose else text.get("zh-Hant")
        return to_simplified(source) if source else None
    return None


def _first_of(text: Mapping[str, str], wanted) -> str | None:
    preferred = "zh-Hans" if wanted("zh-Hans") else "zh-Hant"
    if text.get(preferred):
        return text[preferred]
    return next((v for k, v in text.items() if v and isinstance(k, str) and wanted(k)), None)


def _same_language(text: Mapping[str, str], lang: str) -> str | None:
    """A text of the same language in another region (``es-MX`` written, ``es`` shown)."""
    want = split(lang).language
    if want == "zh":
        return None  # Chinese is matched by script above
    return next((v for k, v in text.items() if v and isinstance(k, str) and split(k).language == want), None)


def pick_own(text: Mapping[str, str], lang: str) -> str | None:
    """The text for ``lang`` from its own language (its chain, the other Chinese script, another
    region); None when only a fallback (English, another language) would be shown."""
    return _own(text, lang) or _same_language(text, lang)


def pick(text: Mapping[str, str] | str | None, lang: str) -> str:
    """The text in ``lang``, falling back as described above; "" for None."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    value = _own(text, lang) or _same_language(text, lang)
    if value:
        return value
    if text.get("en"):
        return text["en"]
    # anything written (a language no screen of this product knows, bad input from the wire)
    return next((str(v) for v in text.values() if v), "")


@lru_cache(maxsize=1024)
def _catalogue_word(key: str, lang: str) -> str | None:
    steps = chain(lang)
    for tag in steps[:-1]:
        c = load_catalogue(tag)
        if c is not None and c.words.get(key):
            return c.words[key]
    if is_chinese(lang):
        other = load_catalogue("zh-Hans" if is_traditional(lang) else "zh-Hant")
        if other is not None and other.words.get(key):
            w = other.words[key]
            return _traditional_for(w, lang) if is_traditional(lang) else to_simplified(w)
    en = load_catalogue("en")
    return en.words.get(key) if en is not None else None


def word(key: str, lang: str, terms: Terms | None = None) -> str:
    """The word (a template, ``{fields}`` unfilled) for ``key`` in ``lang``: the hall's term,
    else the catalogue's along the chain, else English, else the key itself."""
    terms = current_terms() if terms is None else terms
    term = terms.get(key) if terms else None
    if term:
        # (a term of another region, zh-TW on a zh-HK screen, gives way to the catalogue's own)
        own = _own(term, lang, loose=False)
        if own:
            return own
    return _catalogue_word(key, lang) or key


def t(key: str, lang: str, terms: Terms | None = None, **fields: Any) -> str:
    """One of the screens' own words in ``lang``, with ``{fields}`` filled in (the hall's
    terms: those installed by :func:`use_terms`, or ``terms`` given here)."""
    text = word(key, lang, terms)
    try:
        return text.format(**fields) if fields else text
    except (KeyError, IndexError, ValueError, AttributeError):
        return text


def sentence_case(lang: str) -> bool:
    """Whether a sentence in ``lang`` starts with a capital (English, Spanish: yes; Chinese: no)."""
    for tag in chain(lang):
        c = load_catalogue(tag)
        if c is not None and c.sentence_case is not None:
            return c.sentence_case
    return not is_chinese(lang)


def sentence(text: str, lang: str) -> str:
    """``text`` as a sentence of ``lang`` (its first letter a capital where the language has them)."""
    return text[:1].upper() + text[1:] if sentence_case(lang) else text


def catalogue(lang: str, terms: Terms | None = None) -> dict[str, Any]:
    """Every word of ``lang`` as the web pages want it (JSON-ready): ``{"language", "chain",
    "sentence_case", "words": {key: word}}``, fallbacks resolved, the hall's ``terms`` applied
    (None: those installed, as :func:`t`; {} for none)."""
    return {"language": lang, "chain": list(chain(lang)), "sentence_case": sentence_case(lang),
            "words": {k: word(k, lang, terms) for k in keys()}}


def date_text(day: dt.date, lang: str) -> str:
    """A date as a clock shows it: ``2026年12月3日  星期四`` / ``Thu 3 Dec 2026`` / ``jue 3 dic 2026``."""
    weekdays, months = word("weekdays", lang).split(), word("months", lang).split()
    fields = {"year": day.year, "month": months[day.month - 1] if len(months) == 12 else day.month,
              "day": day.day, "weekday": weekdays[day.weekday()] if len(weekdays) == 7 else ""}
    return t("date", lang, **fields)


class _Strings(Mapping[str, Mapping[str, str]]):
    """``STRINGS[key][lang]``: the catalogues seen as the dict this module once held."""

    def __getitem__(self, key: str) -> Mapping[str, str]:
        if key not in keys():
            raise KeyError(key)
        return {tag: c.words[key] for tag in FULL if (c := load_catalogue(tag)) and key in c.words}

    def __iter__(self):
        return iter(keys())

    def __len__(self) -> int:
        return len(keys())


STRINGS: Mapping[str, Mapping[str, str]] = _Strings()


def window_label(window: Any, lang: str) -> str:
    """What a window is, in ``lang``: its ``label`` from the hall file (爱心服务专窗,
    "Priority Care Window"), else the name of its kind (the love window, the green
    channel, the "unresolved problems" window), else "" (an ordinary window).
    A label missing in ``lang`` falls back as :func:`pick` does."""
    if window is None:
        return ""
    label = getattr(window, "label", None)
    if label:
        return pick(label, lang)
    kind = getattr(window, "kind", "normal")
    return t(f"window_kind_{kind}", lang) if f"window_kind_{kind}" in keys() else ""


def whole_minutes(v: Any) -> int | None:
    """Minutes rounded as every estimate is (half up: 0.5 -> 1, 2.5 -> 3); None for no number."""
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
        return None
    return int(math.floor(v + 0.5))


def _count(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def wait_text(est: Any, lang: str, count: Any = None) -> str:
    """The one wording of a waiting estimate (docs/estimates.md, *Wording*), for a service
    (``waiting``) or a ticket (``ahead``) of an ``estimates`` message; ``count`` overrides
    the count the estimate carries. The web pages' ``waitText`` (server/web/static/hub.js)
    is the same rule, checked against the same table (tests/estimate_words.json):

    * ``closed_until`` set: "13:00 起办理" / "closed until 13:00";
    * no ``minutes``: "" (no estimate: show the count alone);
    * nobody waiting or ahead (count 0), or no count and under half a minute: "无需等待" / "No wait";
    * else whole minutes, half up, at least 1: "约 6 分钟" / "about 6 min"; or the range
      when it says something (low < high once rounded, low at least 1, the figure inside
      it): "约 3–10 分钟" / "about 3–10 min".
    """
    if not isinstance(est, Mapping):
        return ""
    closed = est.get("closed_until")
    if isinstance(closed, str) and closed:
        return t("closed_until", lang, time=closed)
    minutes = whole_minutes(est.get("minutes"))
    if minutes is None:
        return ""
    n = _count(count if count is not None else est.get("waiting", est.get("ahead")))
    if n == 0 or (n is None and minutes < 1):
        return t("no_wait", lang)
    minutes = max(1, minutes)
    low, high = whole_minutes(est.get("low")), whole_minutes(est.get("high"))
    if low is not None and high is not None:
        low, high = max(1, min(low, minutes)), max(high, minutes)
        if low < high:
            return t("minutes_range", lang, low=low, high=high)
    return t("about_minutes", lang, minutes=minutes)
