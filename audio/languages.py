"""The words of the voice, per language: built-in phrases and how numbers are read.

One entry of :data:`LANGUAGES` per clip language (``signage.config.voices.voice_key``:
``zh-Hans``, ``zh-Hant``, ``yue``, ``en``, ``es``). Each has

* the built-in templates for ``call``, ``recall`` and ``floor`` (a hall's own
  ``voice.templates`` replace them, language by language). They name the window
  with ``{window_n}``: the language's ``window_n`` here ("window {window}",
  "{window} 号窗口"), or the hall's own term for it (``terms: window_n: {en:
  "Counter {window}"}``, docs/languages.md), so a hall whose screens say
  "Counter 7" hears "please go to counter 7", or, without one, the window word of a
  regional catalogue (a zh-TW voice, or a zh-Hant one in a hall showing zh-TW,
  says 櫃檯 as its screens do; zh-HK 櫃位: ``audio.phrases.regional_window_term``);
* its number reading: the words of the ten digits (a ticket is read digit by
  digit, zeros kept; ``None`` keeps the figures, which every engine of that
  language reads as digits), a window number as a whole number, a floor.

To add a language: write its entry here (the three templates, ``window_n``,
``digits``, ``number``, ``floor``), add its key to ``signage.config.voices.PHRASE_KEYS``,
and check that espeak-ng speaks it (``ESPEAK_VOICES`` there); the tests in
``tests/test_voice_languages.py`` then cover it. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

ZH_DIGITS = "零一二三四五六七八九"
_ZH_UNITS = ("", "十", "百", "千")


# --- numbers ---------------------------------------------------------------------------------------

def chinese_number(n: int) -> str:
    """A whole number as Chinese numerals: 10 -> 十, 12 -> 十二, 101 -> 一百零一.

    Always 二 (the reading of a figure, as on a ticket), never 两. Numbers of
    five or more digits are read digit by digit, as nobody says 一万零一号窗口.
    """
    if n < 0:
        return "负" + chinese_number(-n)
    if n >= 10_000:
        return "".join(ZH_DIGITS[int(d)] for d in str(n))
    if n < 10:
        return ZH_DIGITS[n]
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
        out += ZH_DIGITS[d] + _ZH_UNITS[len(digits) - 1 - i]
    if 10 <= n < 20:
        out = out[1:]  # 十二, not 一十二
    return out


_ES_DIGITS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
_ES_TEENS = ("diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
             "dieciocho", "diecinueve")
_ES_TWENTIES = ("veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco",
                "veintiséis", "veintisiete", "veintiocho", "veintinueve")
_ES_TENS = {3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta", 8: "ochenta", 9: "noventa"}
_ES_HUNDREDS = {1: "ciento", 2: "doscientos", 3: "trescientos", 4: "cuatrocientos", 5: "quinientos",
                6: "seiscientos", 7: "setecientos", 8: "ochocientos", 9: "novecientos"}


def spanish_number(n: int) -> str:
    """A whole number in Spanish words, as a counter is numbered: 7 -> siete, 21 -> veintiuno,
    100 -> cien, 101 -> ciento uno. From 1000 on, digit by digit (no hall has that many windows)."""
    if n < 0:
        return "menos " + spanish_number(-n)
    if n >= 1000:
        return " ".join(_ES_DIGITS[int(d)] for d in str(n))
    if n < 10:
        return _ES_DIGITS[n]
    if n < 20:
        return _ES_TEENS[n - 10]
    if n < 30:
        return _ES_TWENTIES[n - 20]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _ES_TENS[tens] + (f" y {_ES_DIGITS[unit]}" if unit else "")
    if n == 100:
        return "cien"
    hundreds, rest = divmod(n, 100)
    return _ES_HUNDREDS[hundreds] + (f" {spanish_number(rest)}" if rest else "")


# --- floors ----------------------------------------------------------------------------------------

def _floor_zh_hans(n: int) -> str:
    return f"{chinese_number(n)}楼" if n > 0 else f"地下{chinese_number(-n)}层" if n < 0 else "地面层"


def _floor_zh_hant(n: int) -> str:
    return f"{chinese_number(n)}樓" if n > 0 else f"地下{chinese_number(-n)}樓" if n < 0 else "地面層"


def _floor_yue(n: int) -> str:
    return f"{chinese_number(n)}樓" if n > 0 else f"地庫{chinese_number(-n)}樓" if n < 0 else "地下"


def _floor_en(n: int) -> str:
    return f"floor {n}" if n > 0 else f"basement {-n}" if n < 0 else "the ground floor"


def _floor_es(n: int) -> str:
    return f"la planta {spanish_number(n)}" if n > 0 else f"el sótano {spanish_number(-n)}" if n < 0 \
        else "la planta baja"


def _floor_figures(n: int) -> str:
    return str(n)


# --- a hall's term in a sentence ------------------------------------------------------------------

def _same(term: str) -> str:
    return term


def _es_term(term: str) -> str:
    """A Spanish term with its article: "Mostrador {window}" -> "el mostrador {window}",
    "Caja {window}" -> "la caja {window}" (a noun in -a is taken as feminine)."""
    noun = term.split()[0] if term.split() else term
    if noun.lower() in ("el", "la", "los", "las"):
        return term
    return ("la " if noun.lower().rstrip(".,").endswith("a") else "el ") + term


def _es_tidy(text: str) -> str:
    return text.replace(" a el ", " al ").replace(" de el ", " del ")


# --- the table -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Language:
    """How one clip language speaks a call."""

    call: str
    recall: str
    floor_sentence: str                       # the sentence naming the window's floor
    window_n: str                             # how {window_n} names the window: "window {window}"
    digits: tuple[str, ...] | None            # the ten digits' words; None: the figures
    number: Callable[[int], str]              # a window number as said
    floor: Callable[[int], str]               # a floor (2, -1 a basement, 0 the ground floor) as said
    digits_run_together: bool = False         # Chinese: 零二三 as one run in a text, letters apart
    term: Callable[[str], str] = _same        # a hall's window_n term as {window_n} says it
    tidy: Callable[[str], str] = _same        # the sentence after it is in (Spanish: a el -> al)
    catalogue: str | None = None              # the catalogue whose window word window_n says (None: its key's)


LANGUAGES: dict[str, Language] = {
    "zh-Hans": Language(
        call="请 {ticket} 号到 {window_n}办理",
        recall="请 {ticket} 号再次到 {window_n}办理",
        floor_sentence="{window_n}在 {floor}",
        window_n="{window} 号窗口",
        digits=tuple(ZH_DIGITS), number=chinese_number, floor=_floor_zh_hans, digits_run_together=True),
    "zh-Hant": Language(
        call="請 {ticket} 號到 {window_n}辦理",
        recall="請 {ticket} 號再次到 {window_n}辦理",
        floor_sentence="{window_n}在 {floor}",
        window_n="{window} 號窗口",
        digits=tuple(ZH_DIGITS), number=chinese_number, floor=_floor_zh_hant, digits_run_together=True),
    "yue": Language(
        call="請 {ticket} 號到 {window_n}辦理",
        recall="請 {ticket} 號再次到 {window_n}辦理",
        floor_sentence="{window_n}喺 {floor}",
        window_n="{window} 號窗口",  # zh-Hant's word (yue's catalogue, zh-HK's, says 櫃位)
        digits=tuple(ZH_DIGITS), number=chinese_number, floor=_floor_yue, digits_run_together=True,
        catalogue="zh-Hant"),
    "en": Language(
        call="Ticket {ticket}, please go to {window_n}",
        recall="Ticket {ticket}, once again, please go to {window_n}",
        floor_sentence="{window_n} is on {floor}",
        window_n="window {window}",
        digits=None, number=str, floor=_floor_en),
    "es": Language(
        # The article is in window_n: a hall's term ("Mostrador {window}") comes without one.
        call="Turno {ticket}, por favor pase a {window_n}",
        recall="Turno {ticket}, de nuevo, por favor pase a {window_n}",
        floor_sentence="{window_n} está en {floor}",
        window_n="la ventanilla {window}",
        digits=_ES_DIGITS, number=spanish_number, floor=_floor_es, term=_es_term, tidy=_es_tidy),
}

# A language with no entry (spoken from the hall's own templates only) keeps the figures.
FIGURES = Language(call="", recall="", floor_sentence="", window_n="{window}", digits=None, number=str,
                   floor=_floor_figures)


def language(key: str) -> Language:
    """The entry of a clip language, or :data:`FIGURES` (figures, no built-in phrases)."""
    return LANGUAGES.get(key, FIGURES)
