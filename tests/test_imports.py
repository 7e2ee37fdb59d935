"""The import graph of signage/, audio/ and server/: no cycle between modules, no import up the floors.

Floors, lowest first: ``signage`` (the shared core) < ``audio`` (voice) <
``server`` (hub, engine, pages, tools). A module may import its own floor or a
lower one, never a higher one. The command-line entry point (``signage.cli``,
``signage.__main__``) gathers every floor's commands and is exempt from the
floor rule, not from the cycle rule.

How the graph is read (with :mod:`ast`, nothing is imported):

* every ``import`` and ``from ... import`` counts, wherever it is: at the top,
  inside a function, under ``if TYPE_CHECKING:``;
* relative imports are resolved against the importing module's package;
* an import names one of our modules: the longest one its dotted name starts
  with (``import a.b.c`` names ``a.b.c``); ``from p import x`` names ``p`` and,
  when ``x`` is a module, ``p.x`` as well;
* a package and its own submodules (``__init__`` importing ``.routes``, or
  ``routes`` doing ``from . import geometry``) are not a cycle.

The cycles that remain are listed in :data:`KNOWN_CYCLES`. The test fails on
any other cycle or upward import, and on a known cycle that no longer occurs:
take it off the list when it is fixed, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"signage": 0, "audio": 1, "server": 2}
ENTRY = frozenset({"signage.cli", "signage.__main__"})

KNOWN_CYCLES: set[frozenset[str]] = set()  # none left; the list only shrinks


# --- reading the graph ----------------------------------------------------------------------------------

def modules(root: Path) -> dict[str, Path]:
    """Every module of the three packages, by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for top in FLOORS:
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _known(name: str, known: dict[str, Path]) -> str | None:
    """The longest of our modules that the dotted ``name`` starts with."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """The module a ``from ... import`` reads from, with its dots resolved; None if it climbs too high."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if node.level - 1 > len(package) - 1:
        return None
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (itself left out)."""
    known = modules(root)
    out: dict[str, set[str]] = {m: set() for m in known}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, module, is_package)
                if base is None:
                    continue
                names = [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
            for name in names:
                target = _known(name, known)
                if target is not None and target != module:
                    out[module].add(target)
    return out


# --- the two rules --------------------------------------------------------------------------------------

def floor_of(module: str) -> int:
    return FLOORS[module.split(".")[0]]


def upward_imports(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((m, d) for m, deps in g.items() if m not in ENTRY for d in deps if floor_of(d) > floor_of(m))


def _related(a: str, b: str) -> bool:
    """A package and one of its own submodules."""
    return a.startswith(b + ".") or b.startswith(a + ".")


def cycles(g: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    edges = {m: sorted(d for d in deps if d in g and not _related(m, d)) for m, deps in g.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(g):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on_stack.add(v)
            if i < len(edges[v]):
                work.append((v, i + 1))
                w = edges[v][i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                component = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.add(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
            if work:  # back in the caller: pass the low link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return found


def _say(cycle: frozenset[str]) -> str:
    return " <-> ".join(sorted(cycle))


# --- the project ----------------------------------------------------------------------------------------

def test_no_import_runs_up_the_floors() -> None:
    found = upward_imports(graph(ROOT))
    assert not found, "imports up the floors (signage < audio < server; only signage/cli.py may gather them):\n" + \
        "\n".join(f"  {m} -> {d}" for m, d in found)


def test_no_new_import_cycle_and_the_known_ones_are_still_listed_truly() -> None:
    found = set(cycles(graph(ROOT)))
    new = sorted(map(_say, found - KNOWN_CYCLES))
    gone = sorted(map(_say, KNOWN_CYCLES - found))
    problems = [f"  new cycle: {c}" for c in new] + \
               [f"  known cycle no longer occurs (take it off KNOWN_CYCLES): {c}" for c in gone]
    assert not problems, "import cycles:\n" + "\n".join(problems)


def test_the_graph_is_read_as_python_imports_run(tmp_path: Path) -> None:
    """The reader itself, on a made-up tree: relative imports, imports in functions and under
    TYPE_CHECKING, a package's own submodules, and the entry point's exemption."""
    files = {
        "signage/__init__.py": "",
        "signage/a.py": "def f():\n    from .b import x\n",
        "signage/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from signage.a import f\nx = 1\n",
        "signage/pkg/__init__.py": "from .mod import y\nfrom . import other\n",
        "signage/pkg/mod.py": "from . import other\nfrom .. import b\ny = 2\n",
        "signage/pkg/other.py": "import signage.pkg\nimport os.path\n",
        "signage/cli.py": "import server.s\n",
        "signage/c.py": "def g():\n    import audio.x.y\n",
        "audio/__init__.py": "",
        "audio/x.py": "from signage.pkg.mod import y\n",
        "server/__init__.py": "",
        "server/s.py": "from signage import cli\nfrom audio import x as _x\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    g = graph(tmp_path)
    assert g["signage.a"] == {"signage.b"}
    assert g["signage.b"] == {"signage.a"}
    assert g["signage.pkg"] == {"signage.pkg.mod", "signage.pkg.other"}
    assert g["signage.pkg.mod"] == {"signage.pkg", "signage.pkg.other", "signage", "signage.b"}
    assert g["signage.c"] == {"audio.x"}
    assert g["server.s"] == {"signage", "signage.cli", "audio", "audio.x"}
    # signage.cli <-> server.s is a cycle all the same; the package and its submodules are not
    assert sorted(map(_say, cycles(g))) == ["server.s <-> signage.cli", "signage.a <-> signage.b"]
    assert upward_imports(g) == [("signage.c", "audio.x")]
