"""The words of the browser pages the hub serves (server/web/static/): data, one file a language.

``signage/catalogues/pages/<tag>.yaml`` holds every word the pages write themselves (the
buttons, the sign-in forms, the error codes' texts), in sections: ``common`` (every page:
the hub's error codes, the default priority categories' names) and one per page
(``index``, ``kiosk``, ``guide``, ``staff``, ``rate``, ``manage``, ``ticket``, ``notfound``: the
404 page)::

    language: es
    name: "Español"          # the switcher shows a language by this name
    pages:
      common:
        e_hall_closed: "La oficina está cerrada: los turnos se dan en horario de apertura"
      kiosk:
        title: "Sacar turno"

A word is looked for as the screens' words are (:mod:`signage.i18n`): along the language's
chain (``zh-TW`` -> ``zh-Hant``, ``es-MX`` -> ``es``), then converted from the other Chinese
script (OpenCC), then English. A page's own section comes before ``common``.

:func:`page_catalogue` is what a page loads before it shows anything (server/web/pages.py,
``GET /catalogue/<page>.json``): its words in one language, the screens' words of that
language underneath (``about_minutes``, ``list_sep``, ``window_n``...), the hall's ``terms``
applied to both (a page word named as a screen word, ``window_n``, takes the hall's term for
it), and the hall's languages by their own names for the switcher.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from . import i18n
from .languages import chain, is_chinese, is_traditional

PAGES_DIR = i18n.CATALOGUE_DIR / "pages"
PAGES = ("index", "kiosk", "guide", "staff", "rate", "manage", "edit", "ticket", "notfound")
SECTIONS = ("common",) + PAGES
# Files with every key (tests/test_pages_languages.py holds them to it).
FULL = ("zh-Hans", "zh-Hant", "en", "es")
# How the switcher names a language without a page file or a screen catalogue of its own name.
OWN_NAMES = {"zh-Hans": "中文", "zh-Hant": "繁體中文", "en": "English", "es": "Español"}


@lru_cache(maxsize=64)
def load(tag: str) -> tuple[str, dict[str, dict[str, str]]] | None:
    """(name, {section: {key: word}}) of exactly ``tag`` (no fallback); None without a (good) file."""
    data = i18n.read_catalogue(PAGES_DIR, tag)
    pages = data.get("pages") if data is not None else None
    if not isinstance(pages, dict):
        return None
    sections = {str(s): {str(k): str(v) for k, v in words.items() if v is not None}
                for s, words in pages.items() if isinstance(words, dict)}
    return str(data.get("name") or tag), sections


def reload() -> None:
    load.cache_clear()
    _word.cache_clear()
    _page_words.cache_clear()


def keys(section: str) -> tuple[str, ...]:
    """The keys of a section (the English file's)."""
    en = load("en")
    return tuple(en[1].get(section, {})) if en else ()


def _in(tag: str, section: str, key: str) -> str | None:
    found = load(tag)
    return found[1].get(section, {}).get(key) if found else None


@lru_cache(maxsize=8192)
def _word(section: str, key: str, lang: str) -> str | None:
    steps = chain(lang)
    for tag in steps[:-1]:
        w = _in(tag, section, key)
        if w:
            return w
    if is_chinese(lang):
        w = _in("zh-Hans" if is_traditional(lang) else "zh-Hant", section, key)
        if w:
            return i18n._traditional_for(w, lang) if is_traditional(lang) else i18n.to_simplified(w)
    return _in("en", section, key)


def word(page: str, key: str, lang: str) -> str | None:
    """One page word (a template) in ``lang``: the page's section, then ``common``."""
    return _word(page, key, lang) or _word("common", key, lang)


@lru_cache(maxsize=256)
def _page_words(page: str, lang: str) -> dict[str, str]:
    out = {}
    for section in ("common", page):
        for key in keys(section):
            w = _word(section, key, lang)
            if w is not None:
                out[key] = w
    return out


def page_words(page: str, lang: str, terms: i18n.Terms | None = None) -> dict[str, str]:
    """Every word of ``page`` in ``lang`` (``common``'s under the page's own), ``terms`` applied."""
    words = dict(_page_words(page, lang))
    steps = chain(lang)[:-1]
    for key in words.keys() & set(i18n.keys()):
        # a page word named as a screen word: a screen word more particular than it wins
        # (zh-TW's 櫃檯 over the pages' zh-Hant 窗口), as a page file of that region would
        page_at = next((i for i, tag in enumerate(steps) if _in(tag, page, key) or _in(tag, "common", key)), len(steps))
        screen_at = next((i for i, tag in enumerate(steps)
                          if (c := i18n.load_catalogue(tag)) is not None and c.words.get(key)), len(steps))
        if screen_at < page_at:
            words[key] = i18n.word(key, lang, {})
    for key in terms or {}:
        if key in words:
            term = i18n.word(key, lang, terms)
            if term != i18n.word(key, lang, {}):  # the hall wrote it for this language (or its chain)
                words[key] = term
    return words


def language_name(tag: str) -> str:
    """A language by its own name, as the switcher shows it: the page file's ``name``, then the
    screen catalogue's, then CLDR's (Babel), then the tag."""
    found = load(tag)
    if found:
        return found[0]
    if tag in OWN_NAMES:
        return OWN_NAMES[tag]
    c = i18n.load_catalogue(tag)
    if c is not None and c.name and c.name != tag:
        return c.name
    try:
        from babel import Locale

        name = Locale.parse(tag, sep="-").get_display_name(Locale.parse(tag, sep="-"))
        if name:
            return name[:1].upper() + name[1:]
    except Exception:  # Babel missing, or a tag it does not know
        pass
    return tag


def page_catalogue(page: str, lang: str, languages: list[str] | tuple[str, ...],
                   terms: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """What a page loads before it shows anything (JSON-ready)::

        {"page", "language", "chain", "sentence_case",
         "languages": [{"tag": "en", "name": "English"}, {"tag": "es", "name": "Español"}],
         "words": {...the page's words...}, "screen": {...the screens' words...}}

    ``lang`` is the page's language; ``languages`` the hall's (the switcher's choices)."""
    terms = terms or {}
    screen = i18n.catalogue(lang, terms)
    return {"page": page, "language": lang, "chain": screen["chain"], "sentence_case": screen["sentence_case"],
            "languages": [{"tag": t, "name": language_name(t)} for t in languages],
            "words": page_words(page, lang, terms), "screen": screen["words"]}
