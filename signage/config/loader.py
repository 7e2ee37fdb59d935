"""Reading a hall file: YAML -> :class:`HallConfig`, or pointed problems.

Every problem is reported at once as ``file:line: path: what is wrong``, with
the expected values and a "did you mean" where a typo is likely::

    layouts/zhongshan.yaml:189: screens[0].regions[4].widget: unknown widget "tikcer" (expected one of: …; did you mean "ticker"?)

Nothing here raises for a bad file: a caller gets ``LoadResult.config is None``
and the problems. The stages, each reporting what it can:

1. bytes -> text (a regular file, size limit, UTF-8);
2. text -> YAML data plus a line for every path (syntax errors, keys written
   twice, aliases that loop or explode: see :func:`_alias_trouble`);
3. data -> :class:`HallConfig` (the model: types, unknown keys, values, texts
   and lists of bounded length);
4. the cross-reference rules of :mod:`.checks`. When the model rejects some
   parts, the rules still run on the parts that are fine (see :func:`salvage`),
   so that one typo does not hide a duplicate window number further down;
5. the size of the configuration as the hub sends it (:data:`MAX_CONFIG_BYTES`).

The limits and the reasons for their values are listed in docs/hub.md ("Limits").
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, get_args

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .checks import Salvage, check_hall
from .files import NotAFile, TooBig, file_kind, read_bounded  # noqa: F401  (re-exported)
from .model import PATTERN_WORDS, HallConfig, _shown
from .values import first_language, plain_text_language
from .problems import Problem, did_you_mean, expected, format_path  # noqa: F401  (re-exported)
from .widgets import WIDGET_OPTIONS

try:  # the C parser is several times faster; the pure one is always there
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

PathKey = tuple[Any, ...]
# The largest sample hall is 32 KB: 1 MiB is thirty times that, comments included,
# and is checked (on the file's own size) before a byte of it is parsed.
MAX_FILE_BYTES = 1024 * 1024
# Aliases (*name) repeat a value without writing it again. Expanded, a file may hold
# no more than a file could hold written out: at most MAX_VALUES values and
# MAX_EXPANDED_CHARS characters of keys and texts. Counted on the parsed nodes,
# before any Python object is built ("billion laughs", one long text aliased 20,000 times).
MAX_VALUES = 200_000
MAX_EXPANDED_CHARS = MAX_FILE_BYTES
# The configuration as the hub sends it (compact JSON, UTF-8) in every welcome and
# on every reload. Screens accept frames of up to 8 MiB (signage/hubclient.py,
# MAX_FRAME) and a welcome also carries the day's snapshot; the hub drops a client
# with more than 1 MiB waiting (Limits.max_backlog), and a reload writes this to
# every client at once. 512 KiB is 15 times the largest sample (35 KB), half the
# backlog limit and a sixteenth of the screens' frame limit.
MAX_CONFIG_BYTES = 512 * 1024
HALL_KEYS = "format, hall, rules, priority, groups, services, windows, floors, screens, themes, messages, voice, terms"


# --- problems (the vocabulary is in problems.py) --------------------------------

@dataclass
class LoadResult:
    config: HallConfig | None
    problems: list[Problem] = field(default_factory=list)
    source: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# --- YAML with line numbers ----------------------------------------------------

def _no_base_60(resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]]) -> dict[Any, list]:
    # YAML 1.1 reads an unquoted 8:30 as the number 510 (base 60). Nobody writing
    # a hall file means that: keep anything with a colon a string, so 8:30 is a
    # time and 25:00 is reported as the bad time it is.
    out: dict[Any, list] = {}
    for first, entries in resolvers.items():
        out[first] = [
            (tag, re.compile(r"(?!.*:)" + rx.pattern, rx.flags)) if tag.endswith((":int", ":float")) else (tag, rx)
            for tag, rx in entries
        ]
    return out


class HallYamlLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader for hall files: no base-60 numbers."""

    yaml_implicit_resolvers = _no_base_60(_BaseLoader.yaml_implicit_resolvers)


class _PureHallYamlLoader(yaml.SafeLoader):
    # The pure-Python parser words syntax errors better than the C one
    # ("expected ',' or '}', but got ':'"): used to explain a file that failed.
    yaml_implicit_resolvers = HallYamlLoader.yaml_implicit_resolvers


class LineMap:
    """Where each value of a YAML document was written (1-based line numbers)."""

    def __init__(self) -> None:
        self._lines: dict[PathKey, int] = {}
        self.flow_nulls: set[PathKey] = set()  # `{en: Hello, world}`: "world" is a key

    def record(self, path: PathKey, line: int) -> None:
        self._lines.setdefault(path, line)

    def line_of(self, path: Iterable[Any]) -> int:
        # The nearest written ancestor: a missing key points at its parent.
        key = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return self._lines.get((), 1)


def _key_of(node: yaml.Node) -> Any:
    # The key as the data has it (1, True, "8:30"), so that paths from pydantic
    # and paths from the YAML agree.
    if not isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if node.tag.endswith((":str", ":null")) or ":" in node.value:
        return node.value
    try:
        key = yaml.constructor.SafeConstructor().construct_object(node)
        return key if isinstance(key, (str, int, float, bool)) else node.value
    except Exception:  # a key the constructor refuses is reported by the parse
        return node.value


def _walk(root: yaml.Node, lines: LineMap) -> list[tuple[PathKey, int, int]]:
    """Record lines of every path; return keys written twice (path, line, first line)."""
    dupes: list[tuple[PathKey, int, int]] = []
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    seen_nodes: set[int] = set()
    while stack:  # iterative: a deeply nested file must not exhaust the stack
        node, path = stack.pop()
        lines.record(path, node.start_mark.line + 1)
        if id(node) in seen_nodes:  # an alias: its lines are those of the anchor
            continue
        seen_nodes.add(id(node))
        children: list[tuple[yaml.Node, PathKey]] = []
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = _key_of(key_node)
                line = key_node.start_mark.line + 1
                try:
                    if key in first:
                        dupes.append((path + (key,), line, first[key]))
                    first.setdefault(key, line)
                except TypeError:  # unhashable key: the constructor reports it
                    continue
                lines.record(path + (key,), line)
                if node.flow_style and _is_empty_null(value_node):
                    lines.flow_nulls.add(path + (key,))
                children.append((value_node, path + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, path + (i,)) for i, item in enumerate(node.value)]
        stack.extend(reversed(children))
    return dupes


def _is_empty_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.value == ""


def _alias_trouble(root: yaml.Node) -> tuple[int, str] | None:
    """Why the aliases of a document cannot be used, as (line, message); None when they can.

    The node graph shares the value an alias names, so it stays as small as the
    file; what it would expand to is counted here, memoised per node (linear in
    the file's size however far it would expand), before anything is built.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id -> (values, characters) once expanded
    on_path: set[int] = set()
    order: list[yaml.Node] = []  # post-order: every node after the nodes it holds
    loop = "an alias (*name) refers to a value that contains it: the data would never end"
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            on_path.discard(id(node))
            kids = _children(node)
            sizes[id(node)] = (1 + sum(sizes[id(k)][0] for k in kids),
                               (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
                               + sum(sizes[id(k)][1] for k in kids))
            order.append(node)
            continue
        if id(node) in sizes:
            continue
        if id(node) in on_path:
            return root.start_mark.line + 1, loop
        on_path.add(id(node))
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in on_path:
                return root.start_mark.line + 1, loop
            if id(kid) not in sizes:
                stack.append((kid, False))
    values, chars = sizes[id(root)]
    if values <= MAX_VALUES and chars <= MAX_EXPANDED_CHARS:
        return None
    # Which repeated value makes it so big: the number of times each node is
    # reached from the top (parents before children in reverse post-order).
    times: dict[int, int] = {id(root): 1}
    for node in reversed(order):
        for kid in _children(node):
            times[id(kid)] = times.get(id(kid), 0) + times[id(node)]
    by_values = values > MAX_VALUES
    part = 0 if by_values else 1  # which of (values, characters) is too many
    worst = max((n for n in order if times[id(n)] > 1),
                key=lambda n: (times[id(n)] - 1) * sizes[id(n)][part], default=root)
    if by_values:
        total = f"{values:,} values (at most {MAX_VALUES:,})"
    else:
        total = f"{chars:,} characters of text (at most {MAX_EXPANDED_CHARS:,}, what a hall file may hold written out)"
    if worst is root:  # no value is used twice: the file has no alias, it is just big
        return root.start_mark.line + 1, (
            f"the file holds {total}: a hall file is far smaller (the largest sample holds about 3,000): "
            "is this the right file? (see docs/hall-format.md, \"Limits\")")
    count, size = times[id(worst)], sizes[id(worst)][part]
    what = f"{size:,} {'values' if by_values else 'characters'}"
    return worst.start_mark.line + 1, (
        f"once its aliases (*name) are expanded, the file holds {total}: the value written here ({what}) "
        f"appears {count:,} times once expanded (use fewer aliases to it, or shorten it)")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _clearer_error(text: str) -> yaml.MarkedYAMLError | None:
    """The same error as the pure-Python parser reports it."""
    try:
        loader = _PureHallYamlLoader(text)
    except yaml.YAMLError:  # e.g. a control character: the C parser's words stand
        return None
    try:
        loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        return exc
    except Exception:  # only a nicer wording is at stake
        return None
    finally:
        loader.dispose()
    return None


# --- YAML syntax errors in plain words ---------------------------------------------
#
# The parser says where it got stuck ("expected <block end>, but found
# '<block mapping start>'"), which may be lines after the mistake and is worded for
# YAML experts. A hall manager needs the line of the mistake and the fix. Each
# explainer below looks at the text around the parser's mark for one common
# mistake (a tab, ": " inside a text, a quote or bracket left open, a line
# indented wrong) and, where a guess is involved, tries the fix: when the file
# then reads past the place the parser got stuck, the guess is the mistake. Only
# the line the parser in use stopped at is trusted (libyaml and the pure-Python
# parser disagree on some tabs): the other parser is asked only for wording.

_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_MAX_TRIES = 8  # re-reads of the file per error, each with one fix tried


@dataclass
class _Scan:
    """One line read the way YAML reads it, roughly: enough to find a mistake."""

    quotes: list[tuple[int, int, str]] = field(default_factory=list)  # (open, close, quote char)
    unclosed: tuple[int, str] | None = None  # a quote that opens and does not close on this line
    opens: list[tuple[int, str]] = field(default_factory=list)  # brackets not closed on this line
    colons: list[int] = field(default_factory=list)  # ": " that end a key
    comment: int | None = None
    block_scalar: bool = False  # ends with | or >: the lines below are text


def _scan(line: str) -> _Scan:
    out = _Scan()
    i, n, start = 0, len(line), True  # start: a value may begin here
    while i < n:
        ch = line[i]
        if ch in " \t":
            i += 1
            continue
        if ch == "#" and (i == 0 or line[i - 1] in " \t"):
            out.comment = i
            break
        if start and ch in "'\"":
            j = i + 1
            while j < n:
                if line[j] == ch:
                    if ch == "'" and j + 1 < n and line[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 2 if ch == '"' and line[j] == "\\" else 1
            if j >= n:
                out.unclosed = (i, ch)
                break
            out.quotes.append((i, j, ch))
            i, start = j + 1, False
            continue
        if ch in "[{" and (start or out.opens):
            out.opens.append((i, ch))
            i, start = i + 1, True
            continue
        if ch in "]}" and out.opens:
            out.opens.pop()
            i, start = i + 1, False
            continue
        if ch == "," and out.opens:
            i, start = i + 1, True
            continue
        if ch in "-?" and start and (i + 1 == n or line[i + 1] in " \t"):
            i += 1
            continue
        if ch == ":" and (i + 1 == n or line[i + 1] in " \t" or (out.opens and line[i + 1] in ",]}")):
            out.colons.append(i)
            i, start = i + 1, True
            continue
        if ch in "|>" and start and not line[i + 1:].strip(" \t+-0123456789").split("#")[0].strip():
            out.block_scalar = True
            break
        if ch in "&!" and start:  # an anchor or a tag: a value may still follow
            while i < n and line[i] not in " \t":
                i += 1
            continue
        start = False
        i += 1
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_col(line: str) -> int:
    """The column of the first key or value of a line, after any "- " marks."""
    m = re.match(r"[ ]*(?:-[ ]+)*", line)
    return m.end() if m else 0


def _is_content(line: str) -> bool:
    s = line.strip(" \t")
    return bool(s) and not s.startswith("#")


def _spaces(n: int) -> str:
    return f"{n} space{'s' if n != 1 else ''}"


class _Syntax:
    """A syntax error of a file and the means to explain it."""

    def __init__(self, exc: yaml.MarkedYAMLError, text: str) -> None:
        self.exc = exc
        self.text = text
        self.lines = _LINE_BREAK.split(text)
        mark = exc.problem_mark or exc.context_mark
        self.m = min(mark.line, len(self.lines) - 1) if mark else 0
        self.col = mark.column if mark else 0
        self.c = exc.context_mark.line if exc.context_mark is not None else None
        self.tries = 0
        self.raw = " ".join(filter(None, [exc.context, exc.problem]))
        self._text_blocks: set[int] | None = None

    def parser_words(self) -> str:
        """What the parser said, in the pure parser's words when it stopped at the same place."""
        other = _clearer_error(self.text)
        mark = (other.problem_mark or other.context_mark) if other is not None else None
        if other is not None and mark is not None and mark.line == self.m:
            return " ".join(filter(None, [other.context, other.problem]))
        return self.raw

    def char(self) -> str:
        line = self.lines[self.m]
        return line[self.col] if self.col < len(line) else ""

    def gets_past(self, number: int, new: str) -> bool:
        """Whether the file, with line ``number`` written as ``new``, reads past the error."""
        if self.tries >= _MAX_TRIES:
            return False
        self.tries += 1
        text = "\n".join(self.lines[:number] + [new] + self.lines[number + 1:])
        loader = HallYamlLoader(text)
        try:
            while loader.check_event():
                loader.get_event()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            return mark is not None and mark.line > self.m
        except Exception:
            return False
        finally:
            loader.dispose()
        return True

    def in_text_block(self, number: int) -> bool:
        """Whether line ``number`` is inside a block of text (``key: |``)."""
        if self._text_blocks is None:
            self._text_blocks = set()
            inside: int | None = None
            for k, line in enumerate(self.lines[: self.m + 1]):
                if inside is not None and (not line.strip() or _indent(line) > inside):
                    self._text_blocks.add(k)
                    continue
                inside = _indent(line) if _is_content(line) and _scan(line).block_scalar else None
        return number in self._text_blocks

    def above(self, number: int) -> int | None:
        """The nearest line above ``number`` with something on it."""
        for k in range(number - 1, -1, -1):
            if _is_content(self.lines[k]) and not self.in_text_block(k):
                return k
        return None


def _explain_known(s: _Syntax) -> tuple[int, str] | None:
    # Errors of the document's structure rather than of a line's syntax: no fix to try.
    words = s.raw
    if "expected a single document" in words or "but found another document" in words:
        return s.m, ('a second document starts here ("---"): a hall file is one document '
                     "(delete this line, and keep everything in the first part)")
    if "found undefined alias" in words:
        name = re.match(r"\*?([^\s,\]}]*)", s.lines[s.m][s.col:].lstrip("*"))
        alias = name.group(1) if name else ""
        return s.m, (f'*{alias} repeats a value named &{alias}, but no &{alias} is written before it '
                     f"(write the value out here, or add &{alias} where the value is first written)")
    if "found duplicate anchor" in words:
        return s.m, "this &name is already used for another value above: give each &name only once"
    if "unknown escape character" in words or "expected escape sequence" in words:
        return s.m, ('a backslash (\\) in a text in double quotes starts a special character: '
                     "write \\\\ for a backslash, or put the text in single quotes")
    return None


def _explain_tab(s: _Syntax) -> tuple[int, str] | None:
    line = s.lines[s.m]
    if s.char() != "\t" and not ("cannot start any token" in s.raw and "\t" in line):
        return None
    col = s.col if s.char() == "\t" else line.index("\t")
    if not line[:col].strip(" \t"):
        return s.m, ("this line is indented with a tab: YAML counts only spaces "
                     "(replace the tab with spaces, as many as the lines it belongs with)")
    before = line[:col].strip()
    return s.m, f'there is a tab after "{before[-30:]}": YAML allows only spaces here (replace the tab with a space)'


def _explain_colon(s: _Syntax) -> tuple[int, str] | None:
    line = s.lines[s.m]
    if s.char() != ":":
        return None
    scan = _scan(line[: s.col])
    if not scan.colons or scan.unclosed:
        return None  # the colon of the line's own key: an indentation or a bracket
    start = scan.colons[-1] + 1
    while start < len(line) and line[start] in " \t":
        start += 1
    if start >= s.col or line[start] in "'\"[{":
        return None
    flow = bool(scan.opens) and scan.opens[-1][0] < start
    rest = line[s.col:]
    end = s.col + (min((rest.find(c) for c in ",]}" if rest.find(c) >= 0), default=len(rest)) if flow
                   else (_scan(line).comment or len(line)) - s.col)
    value = line[start:end].rstrip()
    quoted = f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'"
    if not s.gets_past(s.m, line[:start] + quoted + line[start + len(value):]):
        return None
    return s.m, (f'this text holds ": " (after "{line[start:s.col].strip()[-30:]}"), which YAML reads as '
                 f"the start of another key: put the whole text in quotes: {quoted}")


def _explain_quote(s: _Syntax) -> tuple[int, str] | None:
    # A quote left open runs on to the next quote, maybe many lines below: the
    # nearest line above the mark that opens a quote it does not close, where
    # closing it lets the file read on.
    tried = 0
    for k in range(s.m, -1, -1):
        if tried >= 3:
            break
        line = s.lines[k]
        if s.in_text_block(k) or not _is_content(line):
            continue
        scan = _scan(line)
        if scan.unclosed is None:
            continue
        tried += 1
        col, q = scan.unclosed
        fixed = line.rstrip(" \t") + q
        if not s.gets_past(k, fixed):
            continue
        far = f" (without it, YAML reads on to the next {q} on line {s.m + 1})" if k < s.m else ""
        return k, f"the quote {q} that starts a text here is not closed: end the text with {q} on this line{far}"
    return None


def _explain_bracket(s: _Syntax) -> tuple[int, str] | None:
    if s.c is None or not ("flow sequence" in (s.exc.context or "") or "flow mapping" in (s.exc.context or "")):
        return None
    line = s.lines[s.c]
    scan = _scan(line)
    if not scan.opens or scan.unclosed:
        return None
    closers = "".join("]" if ch == "[" else "}" for _, ch in reversed(scan.opens))
    end = scan.comment if scan.comment is not None else len(line)
    body = line[:end].rstrip(" \t")
    if not s.gets_past(s.c, body + closers + line[len(body):]):
        return None
    opened = " and ".join(f'"{ch}"' for _, ch in scan.opens)
    return s.c, (f"{opened} opened on this line {'is' if len(scan.opens) == 1 else 'are'} not closed: "
                 f'add "{closers}" at the end of the line (or where the list or mapping ends)')


def _explain_pairing(s: _Syntax) -> tuple[int, str] | None:
    # Quotes on one line that pair up wrongly: open: "09:00, close: "12:00"
    line = s.lines[s.m]
    before = [qt for qt in _scan(line).quotes if qt[1] < s.col and not line[qt[1] + 1: s.col].strip(" \t")]
    if not before:
        return None
    start, end, q = before[-1]
    inner = line[start + 1: end]
    cut = min((p for p in (inner.find(", "), inner.find(": ")) if p > 0), default=-1)
    if cut > 0 and s.gets_past(s.m, line[: start + 1 + cut] + q + line[start + 1 + cut:]):
        return s.m, (f"a closing quote is missing after {q}{inner[:cut]}: write {q}{inner[:cut]}{q} "
                     f"(without it, the text runs on to the next {q})")
    after = line[end + 1:].strip()[:30]
    other = '"' if q == "'" else "'"
    return s.m, (f"the quotes on this line do not pair up: after the text in quotes {q}{inner}{q} comes {after} "
                 f"(put the whole text between one pair of quotes; a text with {q} in it goes in {other} quotes)")


def _explain_indent(s: _Syntax) -> tuple[int, str] | None:
    # The line the parser stopped at, indented to a column no block above it uses
    # (under-indent), or deeper than the line above allows (over-indent).
    line = s.lines[s.m]
    if not _is_content(line) or "\t" in line[: _indent(line) + 1]:
        return None
    here = _indent(line)
    levels: list[int] = []
    where: dict[int, int] = {}  # column -> the nearest line above written there
    for k in range(s.m):
        text = s.lines[k]
        if not _is_content(text) or s.in_text_block(k):
            continue
        i, c = _indent(text), _content_col(text)
        while levels and levels[-1] > i:
            levels.pop()
        for col in (i, c):
            if not levels or levels[-1] < col:
                levels.append(col)
            where[col] = k
    prev = s.above(s.m)
    if prev is None:
        return None
    # Back to the line above's own columns at most: moving a line out to an outer
    # block often reads, but is seldom what was meant.
    shallower = [c for c in levels if _indent(s.lines[prev]) <= c < here]
    deeper = [c for c in levels if c > here][:1]
    candidates = sorted(set(shallower[-2:] + deeper) - {here}, key=lambda c: (abs(c - here), c < here))
    body = line.lstrip(" ")
    for col in candidates[:3]:
        if not s.gets_past(s.m, " " * col + body):
            continue
        ref = where.get(col, prev) + 1
        if col > here:
            return s.m, (f"this line is indented {_spaces(here)}, but the lines it belongs with (line {ref}) "
                         f"are indented {col}: add {_spaces(col - here)} at its start "
                         "(YAML reads the indentation to know what belongs together)")
        return s.m, (f"this line is indented {_spaces(here)}, {here - col} more than line {ref} "
                     f"it belongs with: remove {_spaces(here - col)} at its start, so that it lines up "
                     "(YAML reads a line indented further as part of the line above)")
    return None


def _explain_key(s: _Syntax) -> tuple[int, str] | None:
    if "could not find expected ':'" not in s.raw:
        return None
    k = s.c if s.c is not None else s.m
    return k, ('this line is read as a key, but its colon is missing: write "key: value" '
               "(a colon and a space after the key), or put a text with several lines in quotes")


_EXPLAINERS = (_explain_known, _explain_tab, _explain_colon, _explain_quote, _explain_bracket,
               _explain_indent, _explain_pairing, _explain_key)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, filename: str) -> Problem:
    """The syntax error ``exc`` of the parser in use, at the line of the mistake, in plain words."""
    s = _Syntax(exc, text)
    for explain in _EXPLAINERS:
        try:
            found = explain(s)
        except Exception:  # an explainer that trips: the next one, or the plain fallback
            found = None
        if found:
            return Problem(filename, found[0] + 1, "", found[1])
    prev = s.above(s.m)
    if prev is not None and any(w in s.raw for w in ("block", "mapping values", "expected key", "indicator")):
        return Problem(filename, s.m + 1, "", (
            f"this line does not fit in with the lines above it: check that it is indented like the lines "
            f"it belongs with, and that line {prev + 1} above is complete (the YAML reader says: {s.parser_words()})"))
    return Problem(filename, s.m + 1, "", (
        "this line cannot be read as YAML: check its indentation, quotes and brackets, and those of "
        f"the line above (the YAML reader says: {s.parser_words()})"))


def _reader_problem(exc: yaml.reader.ReaderError, text: str, filename: str) -> Problem:
    # A control character, usually pasted from another program.
    code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
    line = text[: exc.position].count("\n") + 1
    return Problem(filename, line, "", f"the file contains a character YAML does not allow (#x{code:04x}: {exc.reason}; delete it)")


def parse_yaml(text: str, filename: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse YAML keeping line numbers; syntax errors become problems."""
    lines = LineMap()
    loader = HallYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, []
        trouble = _alias_trouble(node)
        if trouble:
            return None, lines, [Problem(filename, trouble[0], "", trouble[1])]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return None, lines, [_syntax_problem(exc, text, filename)]
    except yaml.reader.ReaderError as exc:
        return None, lines, [_reader_problem(exc, text, filename)]
    except yaml.YAMLError as exc:
        return None, lines, [Problem(filename, 1, "", f"YAML error: {exc}")]
    except RecursionError:
        return None, lines, [Problem(filename, 1, "", "the file is nested too deeply to be a hall file")]
    finally:
        loader.dispose()
    dupes = _walk(node, lines)
    problems = [
        Problem(filename, line, format_path(p),
                f'key "{p[-1]}" is written twice (first at line {first}): delete one of the two '
                "(otherwise this one silently replaces the first)")
        for p, line, first in dupes
    ]
    return data, lines, problems


# --- model errors -> messages --------------------------------------------------

def _fields_at(model: type[BaseModel], loc: PathKey) -> list[str]:
    """The keys allowed at ``loc`` inside ``model``, for "did you mean"."""
    if any(not isinstance(part, int) for part in loc):
        fld = _field_at(model, loc)
        current = _inner_model(fld.annotation) if fld is not None else None
    else:
        current = model
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _field_at(model: type[BaseModel], loc: PathKey) -> Any:
    """The pydantic field a path ends at (list indexes skipped), or None."""
    current: Any = model
    fld = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields:
            return None
        fld = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if fld is None:
            return None
        current = _inner_model(fld.annotation)
    return fld


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _is_branch(part: Any) -> bool:
    # pydantic names union branches and validators in locations
    # ("literal['24h']", "list[Hours]", "function-after[...]"); a reader wants
    # the path in their file. "[key]" marks a mapping key and is handled apart.
    return isinstance(part, str) and (part.endswith("]") and "[" in part and part != "[key]"
                                      or part in {"str", "int", "float", "bool", "dict", "list"})


def _choices(ctx: dict[str, Any]) -> list[str]:
    raw = str(ctx.get("expected", ""))
    return [c.strip().strip("'\"") for c in re.split(r",| or ", raw) if c.strip()]


_WHAT = {
    "string_type": "text", "string_unicode": "text",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list", "tuple_type": "a list", "set_type": "a list",
    "dict_type": "a mapping (key: value)", "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}


def _expectation(err: dict[str, Any]) -> str:
    """What one union branch wanted, in words: used when several branches fail."""
    kind = err["type"]
    if kind == "literal_error":
        return " or ".join(f'"{c}"' for c in _choices(err.get("ctx") or {}))
    if kind == "too_short":
        return f"a list of at least {(err.get('ctx') or {}).get('min_length', 1)}"
    return _WHAT.get(kind, err["msg"].rstrip("."))


def _describe(err: dict[str, Any], model: type[BaseModel], is_key: bool) -> str:
    kind, loc, value = err["type"], err["loc"], err.get("input")
    ctx = err.get("ctx") or {}
    name = loc[-1] if loc and isinstance(loc[-1], str) else None
    if kind == "extra_forbidden":
        return f'unknown key "{loc[-1]}"{expected(_fields_at(model, loc[:-1]), loc[-1])}'
    if kind == "missing":
        return "required key is missing" + (" (write format: 1 at the top of the file)" if loc == ("format",) else "")
    if kind == "literal_error":
        if loc == ("format",):
            if str(value).strip() == "1":
                return "write format: 1 without quotes (expected the number 1)"
            return f"this file is format {_shown(value)}, but this signage reads format 1"
        what = "key" if is_key else (name if name and not name.startswith("[") else "value")
        return f'unknown {what} {_shown(value)}{expected(_choices(ctx), value)}'
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if kind == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(ctx.get("pattern", ""), f"of the form {ctx.get('pattern')}")
        return f"{_shown(value)} is not valid here (expected {words})"
    if kind in ("string_type", "string_unicode"):
        return _not_text(value)
    if kind == "string_too_long":
        n = len(value) if isinstance(value, str) else "too many"
        return (f"this text is {n} characters long (expected at most {ctx.get('max_length')}: "
                "shorten it, or split it into several messages)")
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        exactly = "exactly" if ctx.get("field_type") == "Tuple" else "at least"
        return f"has {ctx.get('actual_length', 0)} item{'s' if ctx.get('actual_length') != 1 else ''} (expected {exactly} {n})"
    if kind == "too_long":
        n = ctx.get("max_length")
        exactly = "exactly" if ctx.get("field_type") == "Tuple" else "at most"
        return f"has {ctx.get('actual_length')} items (expected {exactly} {n})"
    limits = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in limits:
        words, key = limits[kind]
        return f"{_shown(value)} is out of range (expected {words} {_num(ctx.get(key))})"
    if kind in _WHAT:
        return f"{_shown(value)} is not valid here (expected {_WHAT[kind]})"
    shown = f" (got {_shown(value)})" if not isinstance(value, (dict, list)) else ""
    return f"{err['msg'].rstrip('.')}{shown}"


def _add_hint(message: str, hint: str) -> str:
    # Keep one parenthesis per message: "... (expected x; hint)".
    if message.endswith(")"):
        return f"{message[:-1]}; {hint})"
    return f"{message} ({hint})"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _not_text(value: Any) -> str:
    if isinstance(value, bool):
        return f"{_shown(value)} is not text (YAML reads yes/no/on/off as true/false: put the text in quotes)"
    if isinstance(value, (int, float)):
        return f'the number {value} is not text (expected text: write it in quotes, "{value}")'
    return f"{_shown(value)} is not text (expected text)"


@dataclass
class _Err:
    loc: PathKey
    is_key: bool
    raw: dict[str, Any]


def _shadowed(errors: list[_Err]) -> list[_Err]:
    # A union reports every branch: hours: [{opne: ...}] fails as "not 24h" and
    # inside the list. The deeper error is the one the writer needs.
    locs = [e.loc for e in errors]
    return [e for e in errors if not any(len(o) > len(e.loc) and o[: len(e.loc)] == e.loc for o in locs)]


def _typo_for_missing(errors: list[_Err]) -> list[_Err]:
    # "widgte: ticker" is both an unknown key and a missing "widget": say it once.
    extras = [e.loc for e in errors if e.raw["type"] == "extra_forbidden"]
    out = []
    for e in errors:
        if e.raw["type"] == "missing" and any(
                x[:-1] == e.loc[:-1] and did_you_mean(x[-1], [e.loc[-1]]) for x in extras):
            continue
        out.append(e)
    return out


def validation_problems(exc: ValidationError, model: type[BaseModel], lines: LineMap,
                        filename: str, prefix: PathKey = ()) -> list[Problem]:
    """One problem per place, in words a hall manager understands."""
    errors = []
    for raw in exc.errors(include_url=False):
        loc = tuple(p for p in raw["loc"] if not _is_branch(p))
        is_key = bool(loc) and loc[-1] == "[key]"
        loc = tuple(p for p in loc if p != "[key]")
        raw = dict(raw)
        if raw["type"] == "missing" and loc and isinstance(loc[-1], int):
            # [0, 92, 100] for [x, y, w, h]: one short list, not "rect[3] missing"
            raw.update(type="tuple_short", ctx={"missing": loc[-1]})
            loc = loc[:-1]
        errors.append(_Err(loc, is_key, raw))
    errors = _typo_for_missing(_shadowed(errors))
    by_place: dict[PathKey, list[_Err]] = {}
    for e in errors:
        by_place.setdefault(e.loc, []).append(e)
    problems = []
    for loc, errs in by_place.items():
        full = prefix + loc
        if len(errs) > 1 and not any(e.is_key or e.raw["type"] == "tuple_short" for e in errs):
            value = errs[0].raw.get("input")
            fld = _field_at(model, loc)
            wanted = (fld.description if fld is not None and fld.description
                      else " or ".join(dict.fromkeys(_expectation(e.raw) for e in errs)))
            hints = [c for e in errs if e.raw["type"] == "literal_error" for c in _choices(e.raw.get("ctx") or {})]
            msg = f"{_shown(value)} is not valid here (expected {wanted}{did_you_mean(value, hints)})"
        else:
            first = next((e for e in errs if e.is_key), errs[0])
            msg = _describe(dict(first.raw, loc=loc), model, first.is_key)
            if first.raw["type"] == "tuple_short":
                fld = _field_at(model, loc)
                wanted = f" (expected {fld.description})" if fld is not None and fld.description else ""
                msg = f"too few items: item {first.raw['ctx']['missing'] + 1} is missing{wanted}"
        if full in lines.flow_nulls:
            msg = _add_hint(msg, "a comma inside an unquoted text ends it: put the text in quotes")
        problems.append(Problem(filename, lines.line_of(full), format_path(full), msg))
    return problems


def _widget_option_problems(data: dict[str, Any], lines: LineMap, filename: str) -> list[Problem]:
    problems: list[Problem] = []
    for si, screen in _items(data.get("screens")):
        regions = screen.get("regions") if isinstance(screen, dict) else None
        for ri, region in _items(regions):
            if not isinstance(region, dict):
                continue
            widget = region.get("widget")
            options_model = WIDGET_OPTIONS.get(widget) if isinstance(widget, str) else None
            options = region.get("options", {})
            if options_model is None or not isinstance(options, dict):
                continue  # the model reports an unknown widget or options that are no mapping
            try:
                options_model.model_validate(options)
            except ValidationError as exc:
                problems += validation_problems(
                    exc, options_model, lines, filename, ("screens", si, "regions", ri, "options"))
    return problems


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


# --- the parts that are fine, when some are not ---------------------------------

LIST_SECTIONS = ("groups", "services", "windows", "floors", "screens", "messages")
ID_KEYS = {"groups": "id", "services": "id", "windows": "number", "floors": "id", "screens": "id"}
SINGLE_SECTIONS = ("hall", "rules", "priority", "voice")


def _item_model(section: str) -> Any:
    return _inner_model(HallConfig.model_fields[section].annotation)


def salvage(data: dict[str, Any]) -> Salvage:
    """Validate each section, and each item of a list, on its own; keep the valid ones."""
    parts: dict[str, Any] = {}
    index: dict[str, list[int]] = {}
    for section in SINGLE_SECTIONS:
        model = _item_model(section)
        try:
            parts[section] = model.model_validate(data.get(section, {}) if section != "hall" else data.get("hall"))
        except ValidationError:
            parts[section] = None
    rejected: dict[str, list[Any]] = {}
    unsure: set[str] = set()
    for section in LIST_SECTIONS:
        model = _item_model(section)
        key = ID_KEYS.get(section)
        kept, where = [], []
        value = data.get(section)
        if value is not None and not isinstance(value, list):
            unsure.add(section)
        for i, item in _items(value):
            try:
                kept.append(model.model_validate(item))
                where.append(i)
            except ValidationError as exc:
                if key is None:
                    continue
                if not isinstance(item, dict) or key not in item or any(e["loc"][:1] == (key,) for e in exc.errors()):
                    unsure.add(section)
                else:
                    rejected.setdefault(section, []).append(item[key])
        parts[section], index[section] = kept, where
    themes = data.get("themes")
    if themes is not None and not isinstance(themes, dict):
        unsure.add("themes")
    parts["themes"] = {}
    theme_model = TypeAdapter(_item_model("themes"))
    for name, theme in (themes.items() if isinstance(themes, dict) else []):
        try:
            parts["themes"][str(name)] = theme_model.validate_python(theme)
        except ValidationError:
            rejected.setdefault("themes", []).append(str(name))
    return Salvage(HallConfig.model_construct(format=1, **parts), index, rejected, unsure, complete=False)


# --- loading -------------------------------------------------------------------

def load_hall_text(text: str, filename: str = "<hall>") -> LoadResult:
    """Validate a hall file's text. Never raises; every problem is in the result."""
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > MAX_FILE_BYTES else len(text)
    if size > MAX_FILE_BYTES:
        return LoadResult(None, [_too_big(filename, size)], filename)
    try:
        return _load(text, filename)
    except Exception as exc:  # a bug here (even a MemoryError) must not take down the hub on reload
        return LoadResult(None, [Problem(filename, 1, "", f"internal error while checking this file: {exc!r} (please report it)")], filename)


def _too_big(filename: str, size: int) -> Problem:
    return Problem(filename, 0, "", f"the file is {size:,} bytes; a hall file is at most {MAX_FILE_BYTES:,} "
                                    "(the largest sample is 32 KB: is this the right file?)")


def config_json(config: HallConfig) -> bytes:
    """The configuration as the hub sends it to every client (compact JSON, UTF-8)."""
    data = config.model_dump(mode="json", by_alias=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): the hub sends it escaped
        return json.dumps(data, separators=(",", ":")).encode()


def _size_problems(config: HallConfig, lines: LineMap, filename: str) -> list[Problem]:
    size = len(config_json(config))
    if size <= MAX_CONFIG_BYTES:
        return []
    parts = {name: len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
             for name, value in config.model_dump(mode="json", by_alias=True).items()}
    biggest = max(parts, key=lambda k: parts[k])
    return [Problem(filename, lines.line_of((biggest,)), biggest, (
        f"the hall is {size:,} bytes as the hub sends it to every screen, at most {MAX_CONFIG_BYTES:,} "
        f"(it is sent whole on every connection and every reload); {biggest} alone is {parts[biggest]:,}: "
        "shorten it"))]


def _load(text: str, filename: str) -> LoadResult:

    data, lines, problems = parse_yaml(text, filename)
    if data is None and not problems:
        what = "the file is empty" if not text.strip() else "the file holds no data (only comments?)"
        return LoadResult(None, [Problem(filename, 1, "", f"{what}: a hall file is a mapping with keys {HALL_KEYS}")], filename)
    if problems and data is None:
        return LoadResult(None, problems, filename)
    if not isinstance(data, dict):
        return LoadResult(None, problems + [Problem(
            filename, lines.line_of(()), "",
            f"{_shown(data)} is not a hall file (expected a mapping with keys {HALL_KEYS})")], filename)
    with plain_text_language(first_language(data)):  # a plain string text is in the hall's first language
        return _validate(data, lines, problems, filename)


def _validate(data: dict[str, Any], lines: LineMap, problems: list[Problem], filename: str) -> LoadResult:
    problems += _widget_option_problems(data, lines, filename)
    try:
        config: HallConfig | None = HallConfig.model_validate(data)
        part = Salvage(config, {})  # type: ignore[arg-type]
    except ValidationError as exc:
        config = None
        problems += validation_problems(exc, HallConfig, lines, filename)
        part = salvage(data)
    problems += check_hall(part.config, lines.line_of, filename, part)
    if config is not None:
        problems += _size_problems(config, lines, filename)
    problems = _unique(problems)
    ok = config is not None and not any(p.severity == "error" for p in problems)
    return LoadResult(config if ok else None, problems, filename)


def _unique(problems: list[Problem]) -> list[Problem]:
    # In file order, like a compiler; a problem found twice is said once.
    return sorted(dict.fromkeys(problems), key=lambda p: p.line)


def load_hall(path: str | Path) -> LoadResult:
    """Load and validate one hall file. Never raises for a bad or missing file."""
    name = str(path)
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except NotAFile as exc:
        return LoadResult(None, [Problem(name, 0, "", f"cannot read the file: it is {exc.kind}, not a file "
                                                      "(name the hall file itself)")], name)
    except TooBig as exc:
        return LoadResult(None, [_too_big(name, exc.size)], name)
    except OSError as exc:
        return LoadResult(None, [Problem(name, 0, "", f"cannot read the file: {exc.strerror or exc}")], name)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark some Windows editors write: harmless
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = " (it looks like GBK/GB18030: save it as UTF-8)" if _looks_gbk(raw) else " (save it as UTF-8)"
        return LoadResult(None, [Problem(name, line, "", f"the file is not UTF-8 text{hint}")], name)
    return load_hall_text(text, name)


def _looks_gbk(raw: bytes) -> bool:
    try:
        raw.decode("gb18030")
        return True
    except UnicodeDecodeError:
        return False
