"""The small value types of the hall format: texts, ids, numbers, times, file names.

They live apart from :mod:`signage.config.model` (the sections of the file) so that
the widgets' option models (:mod:`signage.config.widgets`) can use them while the
model, in turn, describes every widget's options: the arrows run one way,
values <- widgets <- model.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from contextlib import contextmanager
from typing import Annotated, Any, Iterator, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo, WithJsonSchema
from pydantic import Strict as Exact  # (our own `Strict` below is the base model)

from ..languages import MAX_TAG_CHARS, TAG_PATTERN, check_tag, tag_problem


def _lang_tag(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"{_shown(value)} is not a language tag (expected a BCP 47 tag such as zh-Hans, zh-Hant, en, es)")
    return check_tag(value)


# A language: any well-formed BCP 47 tag (zh-Hans, zh-Hant, zh-TW, zh-HK, en, es, yue...),
# checked by signage/languages.py; docs/languages.md says what a hall may show.
Lang = Annotated[str, BeforeValidator(_lang_tag, json_schema_input_type=str),
                 WithJsonSchema({"type": "string", "pattern": TAG_PATTERN, "maxLength": MAX_TAG_CHARS,
                                 "description": "a BCP 47 language tag, e.g. zh-Hans, zh-Hant, zh-TW, en, es"})]
# The languages the product shipped with (for old callers); any tag is a language now.
LANGS: tuple[str, ...] = ("zh-Hans", "zh-Hant", "en")
VoiceLang = Lang  # a spoken language is any BCP 47 tag too; what it speaks: signage/config/voices.py

# The language of a plain-string text: the hall's first (set while a hall file is validated).
_PLAIN_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("signage_plain_text_lang", default="zh-Hans")


@contextmanager
def plain_text_language(lang: str | None) -> Iterator[None]:
    """Within: a plain string text (``name: 签注``) is in ``lang`` (the hall's first language)."""
    token = _PLAIN_LANG.set(lang or "zh-Hans")
    try:
        yield
    finally:
        _PLAIN_LANG.reset(token)


def first_language(data: Any) -> str:
    """The first of a hall file's ``hall.languages`` when it is a well-formed tag, else zh-Hans."""
    hall = data.get("hall") if isinstance(data, dict) else None
    langs = hall.get("languages") if isinstance(hall, dict) else None
    first = langs[0] if isinstance(langs, list) and langs else None
    return first if isinstance(first, str) and tag_problem(first) is None else "zh-Hans"


# Every text of the file (any string, key or value) is at most this long. The
# longest text of the sample halls is 132 characters; 500 is what a manager may
# set at run time (``set_messages`` in signage/protocol.py), and a ticker line of
# 500 Chinese characters already takes minutes to scroll past.
MAX_TEXT_CHARS = 500
# Messages in the hall file, as many as ``set_messages`` may set (signage/protocol.py).
# The samples have at most 15; a ticker showing 100 in turn takes a quarter of an hour.
MAX_MESSAGES = 100


class Strict(BaseModel):
    """Base for every part of the format: unknown keys are errors, values frozen, texts bounded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=MAX_TEXT_CHARS)


# --- small value types -------------------------------------------------------

# Numbers are numbers: an unquoted YAML `yes`/`on` is a bool that lax checking would
# take for 1, and a quoted "4" is text; both are mistakes to point at, not to guess.
Int = Annotated[int, Exact()]
Num = Annotated[float, Exact()]

def _text_from_plain(value: Any, info: ValidationInfo | None = None) -> Any:
    # A plain string is in the hall's first language (zh-Hans when it has none).
    if isinstance(value, str):
        context = info.context if info is not None and isinstance(info.context, dict) else {}
        return {context.get("text_lang") or _PLAIN_LANG.get(): value}
    if not isinstance(value, dict):
        raise ValueError(
            f"{_shown(value)} is not a text (expected a string, or a mapping such as {{zh-Hans: …, en: …}})"
        )
    return value


def _shown(value: Any) -> str:
    # How a wrong value is quoted back to the person who wrote it.
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if len(text) > 60:  # a whole page quoted back helps nobody (and a 900 KB one floods the log)
        return f'"{text[:40]}…" ({len(text)} characters)'
    return f'"{text}"'


def _text_not_empty(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("text needs at least one language (e.g. zh-Hans, zh-Hant, en)")
    for lang, s in value.items():
        if not s.strip():
            raise ValueError(f"text for {lang} is empty")
    return value


Text = Annotated[
    dict[Lang, str],
    # The schema says what a person may write: a string or a per-language mapping.
    BeforeValidator(_text_from_plain, json_schema_input_type=str | dict[Lang, str]),
    AfterValidator(_text_not_empty),
]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def _slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise ValueError(
            f'"{value}" is not a valid id (expected lower-case letters, digits, - and _, e.g. "id-card")'
        )
    return value


Slug = Annotated[str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN})]


def _time_of_day(value: Any) -> Any:
    # A YAML 1.1 reader (not ours: the hall loader keeps 8:30 a string) reads an
    # unquoted 8:30 or 25:00 as a base-60 integer (510, 1500): turn it back into
    # what the manager wrote, so that 25:00 is reported as 25:00.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str):
        raise ValueError(f'{_shown(value)} is not a time of day (expected "HH:MM", e.g. "08:30")')
    return value


TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


def _check_hhmm(value: str) -> str:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise ValueError(f'"{value}" is not a time of day (expected "HH:MM" from "00:00" to "24:00", e.g. "08:30")')
    h, mi = int(m.group(1)), int(m.group(2))
    if h == 24 and mi:
        raise ValueError(f'"{value}" is past 24:00 (expected "HH:MM" from "00:00" to "24:00")')
    return f"{h:02d}:{mi:02d}"


TimeOfDay = Annotated[
    str,
    BeforeValidator(_time_of_day, json_schema_input_type=str),
    AfterValidator(_check_hhmm),
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN, "description": "time of day, HH:MM"}),
]

def _date_text(value: Any) -> Any:
    # YAML reads an unquoted 2026-10-01 as a date: keep the ISO text the
    # screens compare with today's.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _check_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f'"{value}" is not a date (expected YYYY-MM-DD, e.g. "2026-10-01")') from None


IsoDate = Annotated[
    str,
    BeforeValidator(_date_text, json_schema_input_type=str),
    AfterValidator(_check_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a file of the hall's folder (signage/config/assets.py), or None."""
    if not name.strip():
        return "the file name is empty (expected a file in the hall file's folder, e.g. logo.png)"
    if "\0" in name:
        return "the file name contains a NUL character"
    if "\\" in name:
        return f'"{name}" has a \\ in it: write / between folders (e.g. images/logo.png)'
    if name.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", name):
        return (f'"{name}" is an absolute path: name a file in the hall file\'s folder, relative to it '
                "(e.g. logo.png or images/logo.png)")
    if ".." in name.split("/"):
        return (f'"{name}" goes up out of the hall file\'s folder (..): keep the file in the folder, '
                "or a folder inside it, and name it from there")
    return None


def _hall_file_name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


HallFileName = Annotated[str, AfterValidator(_hall_file_name), WithJsonSchema({
    "type": "string", "pattern": r"^(?![/~\\])(?![A-Za-z]:)(?!(.*/)?\.\.(/|$))[^\\\u0000]+$",
    "description": "a file in the hall file's folder, relative to it, / between folders (e.g. images/logo.png)"})]
