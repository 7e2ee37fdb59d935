"""Language tags (BCP 47): checking them, their script, their fallbacks, their font.

A hall chooses its languages (``hall.languages``, a screen's ``languages``, the keys
of every text) as BCP 47 tags: ``zh-Hans``, ``zh-Hant``, ``zh-TW``, ``zh-HK``, ``en``,
``es``, ``es-MX``, ``yue``, ``vi``, ``ko`` ... This module knows, without pygame (the
hub checks hall files too):

* whether a tag is well formed, as written here (``language[-Script][-REGION]``, the
  canonical case), and a did-you-mean for a near miss (``zh_CN``, ``zh-cn``,
  ``english``, ``中文``): :func:`tag_problem`;
* its script, from CLDR's likely subtags (Babel): ``zh-TW`` is Traditional (Hant),
  ``yue`` too, ``zh-SG`` Simplified, ``ko`` Hangul (Kore): :func:`script_of`;
* the order in which words are looked for: :func:`chain` (``zh-TW`` -> ``zh-Hant``;
  ``es-MX`` -> ``es``; ``yue`` -> ``zh-HK`` -> ``zh-Hant``; then English);
* whether it is written right to left (not drawn yet): :func:`is_rtl`;
* which installed font draws it, and the Debian package to install when none does:
  :func:`font_for`, :func:`font_problem`. Coverage is fontconfig's (``fc-list
  :lang=vi``): the Noto Sans CJK faces draw Chinese, Japanese, Korean and the
  Latin of English, Spanish, German...; Vietnamese or French need DejaVu Sans.

docs/languages.md says all this for a hall manager.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# language[-Script][-REGION][-variant...], in the canonical case (en, zh-Hant, zh-TW, es-419).
TAG_PATTERN = (r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$")
_TAG = re.compile(TAG_PATTERN)
MAX_TAG_CHARS = 35
EXAMPLES = "zh-Hans, zh-Hant, zh-TW, zh-HK, en, es, yue"

# Languages written in Chinese characters (their words fall back to zh-Hant or zh-Hans).
SINITIC = frozenset({"zh", "yue", "cmn", "wuu", "hak", "nan", "gan", "hsn", "lzh", "cjy", "cpx", "czh", "mnp"})
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr", "Yezi"})
CJK_SCRIPTS = frozenset({"Hans", "Hant", "Jpan", "Kore", "Hani"})

# The Debian package with a font for a script, said when none is installed.
PACKAGES = {
    "Hans": "fonts-noto-cjk", "Hant": "fonts-noto-cjk", "Jpan": "fonts-noto-cjk", "Kore": "fonts-noto-cjk",
    "Latn": "fonts-dejavu-core", "Cyrl": "fonts-dejavu-core", "Grek": "fonts-dejavu-core",
    "Thai": "fonts-thai-tlwg or fonts-noto-core", "Arab": "fonts-noto-core", "Hebr": "fonts-noto-core",
}
OTHER_PACKAGE = "fonts-noto-core"

# Names people write for a language instead of its tag.
NAMES = {
    "chinese": "zh-Hans", "simplified chinese": "zh-Hans", "chinese simplified": "zh-Hans",
    "traditional chinese": "zh-Hant", "chinese traditional": "zh-Hant", "mandarin": "zh-Hans",
    "中文": "zh-Hans", "简体中文": "zh-Hans", "简体": "zh-Hans", "繁体中文": "zh-Hant", "繁體中文": "zh-Hant",
    "繁體": "zh-Hant", "英文": "en", "英语": "en", "english": "en", "español": "es", "espanol": "es",
    "castellano": "es", "粤语": "yue", "粵語": "yue", "廣東話": "yue", "cantonese": "yue",
    "zh-chs": "zh-Hans", "zh-cht": "zh-Hant", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant",
}


@dataclass(frozen=True)
class Tag:
    language: str
    script: str | None
    region: str | None
    rest: tuple[str, ...] = ()


@lru_cache(maxsize=1024)
def split(tag: str) -> Tag:
    """The parts of a well-formed tag (no checking)."""
    parts = tag.split("-")
    language, script, region = parts[0], None, None
    rest = parts[1:]
    if rest and len(rest[0]) == 4 and rest[0][:1].isalpha():
        script, rest = rest[0], rest[1:]
    if rest and (len(rest[0]) == 2 or (len(rest[0]) == 3 and rest[0].isdigit())):
        region, rest = rest[0], rest[1:]
    return Tag(language, script, region, tuple(rest))


@lru_cache(maxsize=1)
def _babel() -> tuple[dict, dict, dict, dict]:
    try:
        from babel import Locale
        from babel.core import get_global
    except ImportError:  # without Babel: well-formedness only, scripts from the table below
        return {}, {}, {}, {}
    en = Locale("en")
    return dict(en.languages), dict(en.scripts), dict(en.territories), dict(get_global("likely_subtags"))


# Enough to work without Babel's data (its likely subtags answer everything else).
_LIKELY = {"zh": "Hans", "zh_TW": "Hant", "zh_HK": "Hant", "zh_MO": "Hant", "yue": "Hant",
           "en": "Latn", "es": "Latn", "ja": "Jpan", "ko": "Kore", "ar": "Arab", "he": "Hebr", "th": "Thai"}


def canonical(tag: str) -> str:
    """``zh_cn`` -> ``zh-CN``, ``ZH-hant`` -> ``zh-Hant``: the case BCP 47 recommends."""
    parts = [p for p in re.split(r"[-_\s]+", tag.strip()) if p]
    out = []
    for i, p in enumerate(parts):
        if i == 0:
            out.append(p.lower())
        elif len(p) == 4 and p.isalpha():
            out.append(p.title())
        elif len(p) == 2 or (len(p) == 3 and p.isdigit()):
            out.append(p.upper())
        else:
            out.append(p.lower())
    return "-".join(out)


def _known_subtags(tag: str) -> str | None:
    """Why a well-formed tag names no known language, script or region; None if it does."""
    languages, scripts, territories, _ = _babel()
    if not languages:
        return None
    t = split(tag)
    if t.language not in languages:
        guess = _close(t.language, [k for k in languages if k not in ("zxx", "und", "mul", "mis")]) or _by_name(t.language)
        hint = f'; did you mean "{guess}"?' if guess and guess != tag else ""
        return f'"{tag}": unknown language "{t.language}" (expected a BCP 47 tag such as {EXAMPLES}{hint})'
    if t.script and t.script not in scripts:
        return f'"{tag}": unknown script "{t.script}" (expected e.g. Hans, Hant, Latn)'
    if t.region and t.region not in territories:
        return f'"{tag}": unknown region "{t.region}" (expected e.g. CN, TW, HK, MX)'
    return None


def _close(word: str, choices) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.8)
    return found[0] if found else None


def _by_name(text: str) -> str | None:
    """The tag of a language written by name (english, Spanish, 中文) or close to a tag (zh_CN)."""
    low = text.strip().lower()
    if low in NAMES:
        return NAMES[low]
    languages = _babel()[0]
    for code, name in languages.items():
        if name.lower() == low and "_" not in code:
            return "zh-Hans" if code == "zh" else code
    names = {name.lower(): code for code, name in languages.items() if "_" not in code}
    guess = _close(low, list(names) + list(NAMES))
    if guess:
        return NAMES.get(guess) or names[guess]
    return None


@lru_cache(maxsize=1024)
def tag_problem(tag: object) -> str | None:
    """What is wrong with ``tag`` as a language of a hall, in a sentence; None if nothing."""
    if not isinstance(tag, str):
        return f"{tag!r} is not a language tag (expected a BCP 47 tag such as {EXAMPLES})"
    shown = tag if len(tag) <= 40 else tag[:37] + "…"
    if len(tag) > MAX_TAG_CHARS:
        return f'"{shown}" is too long for a language tag (expected a BCP 47 tag such as {EXAMPLES})'
    if _TAG.match(tag):
        return _known_subtags(tag)
    fixed = canonical(tag)
    if fixed != tag and _TAG.match(fixed) and _known_subtags(fixed) is None:
        guess = NAMES.get(fixed.lower(), fixed)
        return (f'"{shown}" is not a language tag as written here (expected a BCP 47 tag, - between '
                f'the parts, e.g. zh-Hans, zh-TW, es-MX; did you mean "{guess}"?)')
    guess = _by_name(tag)
    hint = f'; did you mean "{guess}"?' if guess else ""
    return f'"{shown}" is not a language tag (expected a BCP 47 tag such as {EXAMPLES}{hint})'


def check_tag(tag: str) -> str:
    """``tag`` if well formed, else ValueError with the sentence of :func:`tag_problem`."""
    problem = tag_problem(tag)
    if problem:
        raise ValueError(problem)
    return tag


# --- script, direction --------------------------------------------------------------------

@lru_cache(maxsize=512)
def script_of(tag: str) -> str | None:
    """The script ``tag`` is written in (Hans, Hant, Latn, Kore, Arab...); None if unknown."""
    t = split(tag)
    if t.script:
        return t.script
    likely = _babel()[3]
    for key in ((f"{t.language}_{t.region}",) if t.region else ()) + (t.language,):
        full = likely.get(key)
        if full:
            parts = full.split("_")
            if len(parts) > 1 and len(parts[1]) == 4:
                return parts[1]
        if key in _LIKELY:
            return _LIKELY[key]
    return None


@lru_cache(maxsize=512)
def region_of(tag: str) -> str | None:
    """The region of ``tag``, written or likely (``yue`` -> HK, ``zh-Hant`` -> TW)."""
    t = split(tag)
    if t.region:
        return t.region
    likely = _babel()[3]
    full = likely.get(f"{t.language}_{t.script}" if t.script else t.language) or likely.get(t.language)
    if full:
        last = full.split("_")[-1]
        if len(last) in (2, 3) and last.upper() == last:
            return last
    return None


def is_chinese(tag: str) -> bool:
    """Written in Chinese characters: zh, zh-Hant, zh-TW, yue..."""
    return split(tag).language in SINITIC


def is_traditional(tag: str) -> bool:
    return is_chinese(tag) and script_of(tag) == "Hant"


def is_rtl(tag: str) -> bool:
    return script_of(tag) in RTL_SCRIPTS


@lru_cache(maxsize=512)
def chain(tag: str) -> tuple[str, ...]:
    """Where words for ``tag`` are looked for, most particular first, ending with ``en``::

        zh-TW   -> zh-TW, zh-Hant, en        (Traditional: then converted from zh-Hans)
        zh-Hant-HK -> zh-Hant-HK, zh-HK, zh-Hant, en
        yue     -> yue, zh-HK, zh-Hant, en
        zh, zh-CN, zh-SG -> ..., zh-Hans, en
        es-MX   -> es-MX, es, en
        fr-CA   -> fr-CA, fr, en

    (Converting between Simplified and Traditional is :func:`signage.i18n.pick`'s and
    the catalogues' last resort, after the chain.)"""
    if tag_problem(tag) is not None and not _TAG.match(tag):
        return (tag, "en") if tag != "en" else ("en",)
    t = split(tag)
    out = [tag]
    if t.rest:
        out.append("-".join(x for x in (t.language, t.script, t.region) if x))
    if t.script and t.region:
        out.append(f"{t.language}-{t.region}")
    if t.language != "zh" and (t.script or t.region):
        out.append(t.language)
    if is_chinese(tag):
        script = script_of(tag)
        script = script if script in ("Hans", "Hant") else "Hans"
        region = t.region or (region_of(tag) if script == "Hant" and t.language != "zh" else None)
        if region:
            out.append(f"zh-{region}")
            if region == "MO":
                out.append("zh-HK")
        out.append(f"zh-{script}")
    out.append("en")
    return tuple(dict.fromkeys(out))


# --- fonts (which installed file draws a language) --------------------------------------------

@dataclass(frozen=True)
class FontChoice:
    """A font for a language: ``cjk`` and the CJK collection's region (SC, TC, HK, JP, KR), or
    a ``path`` and ``family`` of another font; ``package`` to install when there is none."""

    cjk: str | None           # SC, TC, HK, JP, KR: a face of Noto Sans CJK
    path: str | None          # a file of another font (DejaVu Sans, a Thai font...)
    family: str
    package: str


def fc_lang(tag: str) -> str:
    """The language code fontconfig knows ``tag`` by (it has zh-cn, zh-tw, zh-hk, not zh-Hant)."""
    t = split(tag)
    if is_chinese(tag):
        region = t.region or region_of(tag)
        if region in ("HK", "MO"):
            return "zh-hk"
        return "zh-tw" if script_of(tag) == "Hant" else "zh-cn"
    return t.language


def cjk_region(tag: str) -> str | None:
    """The face of Noto Sans CJK made for ``tag`` (SC, TC, HK, JP, KR); None if it is not CJK."""
    script = script_of(tag)
    if is_chinese(tag):
        if script == "Hant":
            return "HK" if (split(tag).region or region_of(tag)) in ("HK", "MO") else "TC"
        return "SC"
    return {"Jpan": "JP", "Kore": "KR", "Hani": "SC"}.get(script or "")


@lru_cache(maxsize=64)
def _fc_families(lang: str, bold: bool) -> tuple[tuple[str, str], ...] | None:
    """(file, family) of the fonts covering fontconfig's ``lang``; None without fontconfig."""
    if not shutil.which("fc-list"):
        return None
    try:
        out = subprocess.run(["fc-list", f":lang={lang}", "file", "family", "style"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = []
    for line in out.splitlines():
        path, _, rest = line.partition(": ")
        family, _, style = rest.partition(":style=")
        family = family.split(",")[0].strip()
        if not path or not Path(path).is_file():
            continue
        found.append((path, family, style))

    def rank(item: tuple[str, str, str]) -> tuple:
        path, family, style = item
        styles = style.lower()
        return ("sans" not in family.lower(), "mono" in family.lower() or "math" in family.lower(),
                "serif" in family.lower(), "condensed" in styles or "light" in styles or "oblique" in styles
                or "italic" in styles, ("bold" in styles) != bold, "cjk" in family.lower(), path)

    return tuple((p, f) for p, f, _ in sorted(found, key=rank))


@lru_cache(maxsize=128)
def font_for(tag: str, bold: bool = True) -> FontChoice | None:
    """The font that draws ``tag`` on this machine; None if none does (as fontconfig says: without
    it, a script beyond CJK, Latin, Greek and Cyrillic gets a choice with no path)."""
    script = script_of(tag) or "Latn"
    package = PACKAGES.get(script, OTHER_PACKAGE)
    region = cjk_region(tag)
    families = _fc_families(fc_lang(tag), bold)
    if region:
        if families is not None and not families:  # fontconfig knows no font with these characters
            return None
        return FontChoice(region, None, f"Noto Sans CJK {region}", package)
    if families is None:  # no fontconfig to ask: the CJK faces carry the Latin of English and the
        # like; for another script nothing can be told here (no error: the screen's log says it)
        if script in ("Latn", "Cyrl", "Grek"):
            return FontChoice("SC", None, "Noto Sans CJK SC", package)
        return FontChoice(None, None, "unknown (no fontconfig here to ask)", package)
    if any("Noto Sans CJK" in f for _, f in families):
        return FontChoice("SC", None, "Noto Sans CJK SC", package)
    if not families:
        return None
    path, family = families[0]
    return FontChoice(None, path, family, package)


def font_problem(tag: str, has_cjk_font: bool | None = None) -> str | None:
    """Why ``tag`` cannot be drawn on this machine, in a sentence naming the package; None if it can."""
    script = script_of(tag) or "Latn"
    if script in RTL_SCRIPTS:
        return (f"{tag} is written right to left, and the screens do not draw right-to-left text yet "
                "(its letters would come out in the wrong order): leave it out for now")
    choice = font_for(tag)
    if choice is None:
        package = PACKAGES.get(script, OTHER_PACKAGE)
        return (f"no installed font draws {tag} ({script_name(script)} script): install the Debian "
                f"package {package} (sudo apt-get install {package.split(' or ')[0]})")
    if choice.cjk and has_cjk_font is False:
        return (f"no CJK font is installed to draw {tag}: install the Debian package fonts-noto-cjk "
                "(the Makefile does)")
    return None


def script_name(script: str) -> str:
    return _babel()[1].get(script, script)


def language_name(tag: str, in_lang: str = "en") -> str:
    """``zh-TW`` -> "Chinese (Traditional, Taiwan)"; the tag itself without Babel."""
    try:
        from babel import Locale

        return Locale.parse(tag, sep="-").get_display_name(in_lang.replace("-", "_")) or tag
    except Exception:
        return tag
