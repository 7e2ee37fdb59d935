"""What a voice language is: a BCP 47 tag, the speech it names, who can speak it.

A hall writes languages as BCP 47 tags (``zh-Hans``, ``zh-TW``, ``en``, ``es``).
The voice needs to know what to *say* for each, and this module is the one
table of that, kept at the bottom floor so that the hall model (the voice
follows the hall's languages), validation (a shown language with no voice)
and ``audio/`` (engines, phrases, packs) read the same facts:

* :func:`voice_key` turns a tag into the language of the clips (a pack's
  clips are filed under it): ``zh-Hans``, ``zh-CN``, ``zh-SG``, ``zh`` →
  ``zh-Hans`` (Mandarin, Simplified templates); ``zh-Hant``, ``zh-TW`` →
  ``zh-Hant`` (Mandarin, Traditional templates); ``zh-HK``, ``zh-MO``, ``yue``
  → ``yue`` (Cantonese); any other tag → its language subtag (``en-GB`` →
  ``en``, ``es-MX`` → ``es``).
* :data:`ESPEAK_VOICES` and :data:`GTTS_VOICES`: the voices of the two
  engines (the offline espeak-ng shipped by ``espeakng-loader``, and gTTS
  for building a pack where there is internet). ``tests/test_voice_languages.py``
  checks them against the engines' own lists.
* :data:`PHRASE_KEYS`: the languages with built-in call, recall and floor
  phrases and a number reading (``audio/languages.py``, kept equal by a test).

Tags are checked where the hall file is read (``signage/languages.py``: a voice
language is a ``Lang`` like the hall's); here any string is taken as it comes.
Nothing here imports the hall model or ``audio``; every function is pure.
"""

from __future__ import annotations

from typing import Iterable, Mapping

CHINESE_KEYS = ("zh-Hans", "zh-Hant", "yue")

# espeak-ng's voice for each clip language (espeakng-loader 0.2's data, lang/).
ESPEAK_VOICES: dict[str, str] = {
    "zh-Hans": "cmn", "zh-Hant": "cmn", "yue": "yue",
    **{k: k for k in (
        "af am an ar as az ba be bg bn bs ca chr cs cv cy da de el en eo es et eu fa fi fo fr ga gd gn "
        "gu haw he hi hr ht hu hy ia id is it ja ka kk kl kn ko kok ku ky la lb lt lv mi mk ml mr ms mt "
        "my ne nl om or pa pap pl pt qu ro ru sd si sk sl sq sr sv sw ta te th ti tk tn tr tt ug uk ur "
        "uz vi").split()},
    "nb": "nb", "no": "nb", "hak": "hak",
}

# gTTS's language code for each clip language (gtts.lang.tts_langs() of gTTS 2.5).
GTTS_VOICES: dict[str, str] = {
    "zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "yue": "yue", "he": "iw", "jv": "jw", "nb": "no",
    **{k: k for k in (
        "af am ar bg bn bs ca cs cy da de el en es et eu fi fr gl gu ha hi hr hu id is it ja km kn ko "
        "la lt lv ml mr ms my ne nl no pa pl pt ro ru si sk sq sr su sv sw ta te th tl tr uk ur vi").split()},
}

# Languages with built-in phrases (call, recall, floor) and a number reading: audio/languages.py.
PHRASE_KEYS = frozenset({"zh-Hans", "zh-Hant", "yue", "en", "es"})

# How a language is named in a message to a hall manager.
NAMES: dict[str, str] = {
    "zh-Hans": "Mandarin (Simplified Chinese templates)", "zh-Hant": "Mandarin (Traditional Chinese templates)",
    "yue": "Cantonese", "en": "English", "es": "Spanish", "fr": "French", "de": "German",
    "pt": "Portuguese", "it": "Italian", "ru": "Russian", "ar": "Arabic", "ja": "Japanese",
    "ko": "Korean", "vi": "Vietnamese", "th": "Thai", "id": "Indonesian", "ms": "Malay",
    "ug": "Uyghur", "bo": "Tibetan", "mn": "Mongolian", "kk": "Kazakh", "km": "Khmer",
    "my": "Burmese", "lo": "Lao", "tl": "Tagalog", "hi": "Hindi", "tr": "Turkish",
}


def _subtags(tag: str) -> tuple[str, str | None, str | None]:
    """(language, script, region) of a tag, case-normalised: ``zh-hant-tw`` -> (zh, Hant, TW)."""
    parts = tag.strip().replace("_", "-").split("-")
    lang = parts[0].lower()
    if len(parts) > 1 and len(parts[1]) == 3 and parts[1].isalpha():  # an extended language: zh-yue, zh-cmn
        lang = parts.pop(1).lower()
    script = region = None
    for p in parts[1:]:
        if len(p) == 4 and p.isalpha() and script is None and region is None:
            script = p.title()
        elif (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit()):
            if region is None:
                region = p.upper()
        elif len(p) == 1:  # an extension or private use: the rest is not script or region
            break
    return lang, script, region


def voice_key(tag: str) -> str:
    """The language of the clips for a tag: ``zh-TW`` -> ``zh-Hant``, ``zh-HK`` -> ``yue``, ``en-GB`` -> ``en``."""
    if tag in CHINESE_KEYS:
        return tag
    lang, script, region = _subtags(tag)
    if lang == "yue" or (lang == "zh" and region in ("HK", "MO") and script != "Hans"):
        return "yue"
    if lang in ("zh", "cmn"):
        if script == "Hant" or (script is None and region in ("TW", "HK", "MO")):
            return "zh-Hant"
        return "zh-Hans"
    return lang


def family(tag: str) -> str:
    """The written language a tag belongs to: ``zh`` for every Chinese (Mandarin or Cantonese), else its language."""
    key = voice_key(tag)
    return "zh" if key in CHINESE_KEYS else key


def name(tag: str) -> str:
    """A language for a message: ``Spanish (es)``; a tag we have no name for is said as it is."""
    key = voice_key(tag)
    known = NAMES.get(key)
    return f"{known} ({tag})" if known else tag


def engines_for(tag: str) -> tuple[str, ...]:
    """The engines that can speak a tag: ``("espeak", "gtts")``, one of them, or none."""
    key = voice_key(tag)
    return tuple(e for e, table in (("espeak", ESPEAK_VOICES), ("gtts", GTTS_VOICES)) if key in table)


def has_phrases(tag: str) -> bool:
    """True if built-in call and recall phrases exist for the tag's language."""
    return voice_key(tag) in PHRASE_KEYS


def hall_has_template(templates: Mapping[str, Mapping[str, str]], kind: str, tag: str) -> bool:
    """True if the hall's ``voice.templates[kind]`` has a text for the tag (or another tag of its language)."""
    key = voice_key(tag)
    return any(voice_key(str(t)) == key and text for t, text in templates.get(kind, {}).items())


def default_voice_languages(hall_languages: Iterable[str],
                            templates: Mapping[str, Mapping[str, str]] | None = None) -> list[str]:
    """The spoken languages of a hall file without ``voice.languages``: its own.

    Each hall language, as its clip language (:func:`voice_key`), once, in the
    hall's order, when an engine can speak it and there is something to say
    (built-in phrases, or a ``call`` template of the hall's). The others are
    left out, and validation says so.
    """
    out: list[str] = []
    for tag in hall_languages:
        key = voice_key(str(tag))
        if key in out or not engines_for(key):
            continue
        if has_phrases(key) or hall_has_template(templates or {}, "call", key):
            out.append(key)
    return out
