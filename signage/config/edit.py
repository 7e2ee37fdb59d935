"""Form edits that keep the hall file: change one value, and only the characters that hold it.

``edit(text, "services[2].name.en", "Passports")`` returns the file with that one value
replaced: comments, key order, quoting, flow or block style and line breaks of everything
else stay byte for byte. The hall editor's form sends such edits (hub command
``config_edit``, docs/editor.md), so a manager who changes a name in a form and a manager
who edits the text see the same file.

How: ruamel.yaml composes the text into nodes that know where they start and end in it
(character offsets, comments kept), the edited node's characters are replaced by the
new value written in the same style (a flow list stays a flow list on its line, a quoted
string stays quoted), or a missing key or list item is added beside its siblings at their
indentation. The result is read again and compared with what the edit means (the old
data with that one value set); anything else (a path into an anchor shared elsewhere, a
value the splice cannot write) raises :class:`EditError` rather than returning a file that
says something else. Pure: no I/O.
"""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PathPart = str | int

_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")
MAX_EDITS = 200


class EditError(ValueError):
    """The edit cannot be made; the message says why, for a person."""


def parse_path(path: str) -> list[PathPart]:
    """``services[2].name.en`` -> ``["services", 2, "name", "en"]``."""
    if not isinstance(path, str) or not path or len(path) > 300:
        raise EditError("a path is a text such as services[2].name.en")
    parts: list[PathPart] = []
    at = 0
    while at < len(path):
        m = _PART.match(path, at)
        if m is None or (m.group(2) is not None and at > 0 and path[at] != "." and path[at - 1] != "]"):
            raise EditError(f"{path}: cannot read the path at character {at + 1} (write it as services[2].name.en)")
        parts.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
        at = m.end()
    if not isinstance(parts[0], str):
        raise EditError(f"{path}: a path starts with a section name (services, screens, ...)")
    return parts


def _load_plain(text: str) -> Any:
    from .loader import HallYamlLoader  # the hall's own reading of the text (no base 60, ...)

    return yaml.load(text, Loader=HallYamlLoader)  # noqa: S506 (a safe loader)


def _set(data: Any, parts: list[PathPart], value: Any, path: str) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        if not isinstance(data, list):
            raise EditError(f"{path}: [{head}] is an index, but the value there is not a list")
        if head > len(data):
            raise EditError(f"{path}: the list has {len(data)} items; [{head}] would leave a gap")
        if head == len(data):
            data.append(None)
        data[head] = _set(data[head], rest, value, path)
        return data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EditError(f"{path}: .{head} names a key, but the value there is not a mapping")
    data[head] = _set(data.get(head), rest, value, path)
    return data


def _compose(text: str) -> Node | None:
    try:
        return YAML(typ="rt").compose(io.StringIO(text))
    except RuamelError as exc:
        raise EditError(f"the text is not YAML that can be edited ({str(exc).splitlines()[0]}); "
                        "fix it in the text first (config_check says where)") from None


def _flow(value: Any) -> str:
    """``value`` as one line of flow YAML, safe inside ``[...]`` or ``{...}``."""
    out = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, sort_keys=False, width=1 << 30)
    out = out.strip()
    if out.endswith("..."):
        out = out[:-3].strip()
    return out[1:-1].strip()


def _scalar(value: Any, like: ScalarNode | None) -> str:
    if isinstance(value, str) and like is not None and like.style in ("'", '"') and "\n" not in value:
        if like.style == '"':
            return json.dumps(value, ensure_ascii=False)
        return "'" + value.replace("'", "''") + "'"
    return _flow(value)


def _block(value: Any, indent: int) -> str:
    """``value`` as block YAML, every line but the first indented by ``indent``; ends with a newline."""
    out = yaml.safe_dump(value, default_flow_style=False, allow_unicode=True, sort_keys=False, width=1 << 30)
    lines = out.splitlines()
    return "\n".join([lines[0]] + [" " * indent + line for line in lines[1:]]) + "\n"


def _rendered(value: Any, node: Node) -> str:
    if isinstance(value, (dict, list)) and value:
        if getattr(node, "flow_style", False) or isinstance(node, ScalarNode):
            return _flow(value)
        return _block(value, node.start_mark.column)
    return _scalar(value, node if isinstance(node, ScalarNode) else None)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _splice(text: str, root: Node, parts: list[PathPart], value: Any, path: str) -> str:
    node: Node = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, MappingNode) and isinstance(part, str):
            found = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
            if found is None:
                if not last:
                    raise EditError(f"{path}: there is no {part} to edit inside (add it with its own edit first)")
                return _add_key(text, node, part, value)
            node = found
        elif isinstance(node, SequenceNode) and isinstance(part, int):
            if part == len(node.value) and last:
                return _add_item(text, node, value)
            if part >= len(node.value):
                raise EditError(f"{path}: the list has {len(node.value)} items; there is no [{part}]")
            node = node.value[part]
        else:
            raise EditError(f"{path}: {part!r} does not fit the value there")
    if node.anchor is not None or node.tag.startswith("!"):
        raise EditError(f"{path}: the value there is shared (&{node.anchor}) or tagged; edit it in the text")
    start, end = node.start_mark.index, node.end_mark.index
    new = _rendered(value, node)
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        # A block collection ends where the next one starts: keep its trailing comments and blank lines.
        end = _block_end(text, node)
        if not new.endswith("\n"):  # scalar or flow in place of a block: on the key's own line
            key_end = text.rfind(":", 0, start)
            if key_end >= 0 and not text[key_end + 1:start].strip():
                start = key_end + 1
                new = " " + new + "\n"
            else:
                new = new + "\n"
    return text[:start] + new + text[end:]


def _block_end(text: str, node: Node) -> int:
    """Where a block collection's own characters end: after its last value's line."""
    last = node.value[-1]
    tail = last[1] if isinstance(node, MappingNode) else last
    if isinstance(tail, (MappingNode, SequenceNode)) and not tail.flow_style and tail.value:
        return _block_end(text, tail)
    end = tail.end_mark.index
    nl = text.find("\n", end)
    return len(text) if nl < 0 else nl + 1


def _add_key(text: str, node: MappingNode, key: str, value: Any) -> str:
    if node.flow_style or not node.value:
        if not node.value:
            raise EditError(f"cannot add {key} to an empty mapping; edit it in the text")
        close = node.end_mark.index - 1
        while close > 0 and text[close] != "}":
            close -= 1
        return text[:close] + f", {_flow(key)}: {_flow(value)}" + text[close:]
    first_key = node.value[0][0]
    indent = first_key.start_mark.column
    end = _block_end(text, node)
    if isinstance(value, (dict, list)) and value:
        body = "\n" + " " * (indent + 2) + _block(value, indent + 2)
    else:
        body = " " + _flow(value) + "\n"
    line = " " * indent + f"{_flow(key)}:{body}"
    if end > 0 and text[end - 1] != "\n":
        line = "\n" + line
    return text[:end] + line + text[end:]


def _add_item(text: str, node: SequenceNode, value: Any) -> str:
    if node.flow_style or not node.value:
        if not node.value:
            raise EditError("cannot add to an empty list; edit it in the text")
        close = node.end_mark.index - 1
        while close > 0 and text[close] != "]":
            close -= 1
        return text[:close] + f", {_flow(value)}" + text[close:]
    first = node.value[0]
    dash = text.rfind("-", _line_start(text, first.start_mark.index), first.start_mark.index)
    indent = dash - _line_start(text, first.start_mark.index)
    end = _block_end(text, node)
    if isinstance(value, dict) and value and not getattr(first, "flow_style", True):
        item = " " * indent + "- " + _block(value, indent + 2)
    else:
        item = " " * indent + "- " + _flow(value) + "\n"
    if end > 0 and text[end - 1] != "\n":
        item = "\n" + item
    return text[:end] + item + text[end:]


def edit(text: str, path: str, value: Any) -> str:
    """``text`` with the value at ``path`` set to ``value`` (JSON-like: text, number, true/false,
    null, list, mapping); every other character as it was. Raises :class:`EditError`."""
    parts = parse_path(path)
    try:
        before = _load_plain(text)
    except yaml.YAMLError as exc:
        raise EditError(f"the text is not YAML that can be edited ({str(exc).splitlines()[0]}); "
                        "fix it in the text first (config_check says where)") from None
    if not isinstance(before, dict):
        raise EditError("the text is not a hall file (a mapping of sections); fix it in the text first")
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise EditError(f"{path}: the value must be plain data (text, number, list, mapping)") from None
    expected = _set(copy.deepcopy(before), parts, value, path)
    root = _compose(text)
    if root is None:
        raise EditError("the text is empty")
    new = _splice(text, root, parts, value, path)
    try:
        after = _load_plain(new)
    except yaml.YAMLError:
        after = None
    if after != expected:
        raise EditError(f"{path}: this value cannot be written in place without changing the rest of the "
                        "file; edit it in the text")
    return new


def edit_many(text: str, edits: list[tuple[str, Any]]) -> str:
    """The edits one after another (each on the result of the one before)."""
    if len(edits) > MAX_EDITS:
        raise EditError(f"{len(edits)} edits at once; at most {MAX_EDITS}")
    for path, value in edits:
        text = edit(text, path, value)
    return text
