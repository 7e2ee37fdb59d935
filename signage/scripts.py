"""Which script a text is written in, told from its letters (no pygame).

A hall's languages say their script (:func:`signage.languages.script_of`: ``zh-TW``
Hant, ``es`` and ``vi`` Latn, ``ko`` Kore); a text typed at run time in no declared
language (the reason of a pause, "午休", "Lunch", "Almuerzo") says only its letters.
The screens use this instead of asking ``lang == "en"`` or ``text.isascii()``:

* :func:`written_in` — whether a text reads as a language's script: its letters other
  than Latin ones are all of that script (Chinese texts mix in Latin: "ETC 维护", "App"),
  and a text of Latin letters only is for a language written in Latin letters;
* :func:`language_of` — the first of a screen's languages a text is written in;
* :func:`full_width` — a text's length in full-width characters (a Chinese, Japanese or
  Korean character counts one, any other half): what a layout guesses a name takes.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable

from .languages import script_of

# The first word of the Unicode names of a script's letters, by ISO 15924 code (other
# scripts: their English name, from Babel: Armn -> ARMENIAN, Khmr -> KHMER).
LETTERS = {
    "Latn": frozenset({"LATIN"}), "Hans": frozenset({"CJK"}), "Hant": frozenset({"CJK", "BOPOMOFO"}),
    "Hani": frozenset({"CJK"}), "Jpan": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "Kore": frozenset({"HANGUL", "CJK"}), "Cyrl": frozenset({"CYRILLIC"}), "Grek": frozenset({"GREEK"}),
    "Arab": frozenset({"ARABIC"}), "Hebr": frozenset({"HEBREW"}), "Thai": frozenset({"THAI"}),
}
_WIDTH_PREFIXES = ("FULLWIDTH ", "HALFWIDTH ")


def _letter_script(ch: str) -> str | None:
    """The first word of a letter's Unicode name (LATIN, CJK, HIRAGANA...); None for no letter."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for prefix in _WIDTH_PREFIXES:  # ＡＢ, ｱ: the script of the letter in its usual width
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name.split(" ", 1)[0].split("-", 1)[0] or None


@lru_cache(maxsize=2048)
def letter_scripts(text: str) -> frozenset[str]:
    """The scripts of the letters of ``text`` (digits, spaces and marks have none)."""
    return frozenset(s for s in map(_letter_script, text) if s)


@lru_cache(maxsize=256)
def letters_of(lang: str) -> frozenset[str]:
    """The scripts (first words of Unicode names) the letters of ``lang`` are of."""
    code = script_of(lang) or "Latn"
    if code in LETTERS:
        return LETTERS[code]
    try:
        from babel import Locale

        name = Locale("en").scripts.get(code)
    except Exception:  # without Babel: the code itself (matches nothing; the text is then no one's)
        name = None
    return frozenset({(name or code).upper().split(" ", 1)[0]})


def written_in(text: str, lang: str) -> bool:
    """Whether ``text`` reads as written in ``lang``'s script: "午休" in zh-Hans, zh-TW, ja;
    "Lunch", "Almuerzo", "Nghỉ trưa" in en, es, vi; "ETC 维护" in Chinese. A text without
    letters ("11:00", "—") is of every language."""
    found = letter_scripts(text)
    if not found:
        return True
    own = letters_of(lang)
    other = found - {"LATIN"}
    if other:
        return other <= own
    return "LATIN" in own


def language_of(text: str, langs: Iterable[str]) -> str | None:
    """The first of ``langs`` that ``text`` is written in (:func:`written_in`); None if none."""
    return next((lang for lang in langs if written_in(text, lang)), None)


def full_width(text: str) -> float:
    """``text``'s length in full-width characters: a wide (East Asian) character counts one,
    any other half ("身份证" 3, "Passport" 4)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)
