"""The import direction the README's "How it is built" picture draws, read from the source with ``ast``.

Every import counts: top-level, inside functions and under ``TYPE_CHECKING``. A module's unit is its package
under ``assistant`` (``assistant.store.db`` -> ``store``) or, for a module directly under ``assistant``, the
module itself (``assistant.urls`` -> ``urls``). Units sit on layers, lowest first; a unit imports its own layer
or lower, units import each other without a circle, and SQL runs in ``store/`` only.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "assistant"

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("shared words", frozenset({"assistant", "records", "models", "sitegraph", "trafficdata", "urls", "text",
                                "words", "columns", "urlguard", "secrets", "lazy", "llmnames", "settings"})),
    ("store", frozenset({"store"})),
    ("engines", frozenset({"ingest", "graph", "backlinks", "traffic", "rules", "suggest", "outreach", "llm",
                           "chain", "plan", "apply", "diff", "overview"})),
    # builds the clients (vectorchild: in the vector writer's process); use cases and surfaces hold one
    ("composition root", frozenset({"services", "vectorchild"})),
    ("use cases", frozenset({"app"})),
    ("tools", frozenset({"tools"})),
    ("surfaces", frozenset({"cli", "slack", "mcp", "__main__"})),
)

# (importing module, imported module): the only imports allowed against the layers, each with its reason.
EXCEPTIONS: dict[tuple[str, str], str] = {
}

SQL = re.compile(r"\.execute(?:many|script)?\(")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) of every import of ``assistant`` modules in the file, wherever it stands."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join([*package[:len(package) - node.level + 1], *([node.module] if node.module else [])]) \
                if node.level else node.module or ""
            # `from assistant import graph` and `from . import x` import modules; `from a.b import name` imports a.b
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names] if base == "assistant" or \
                not node.module else [(node.lineno, base)]
    return [(line, name) for line, name in found if name == "assistant" or name.startswith("assistant.")]


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "assistant"


def _layer(unit: str) -> int:
    for i, (_, units) in enumerate(LAYERS):
        if unit in units:
            return i
    raise AssertionError(f"assistant.{unit} is on no layer: place it in tests/test_layers.py's LAYERS")


def _edges() -> list[tuple[str, int, str, str]]:
    """(importing file, line, importing module, imported module) between units, exceptions left out."""
    out = []
    for module, path in _modules().items():
        for line, name in _imports(module, path):
            if _unit(name) != _unit(module) and (module, name) not in EXCEPTIONS:
                out.append((str(path.relative_to(ROOT.parent)), line, module, name))
    return out


def test_every_unit_has_a_layer() -> None:
    for module in _modules():
        _layer(_unit(module))


def test_no_import_goes_up() -> None:
    upward = [f"{file}:{line} ({module}, on {LAYERS[_layer(_unit(module))][0]}) imports {name} "
              f"(on {LAYERS[_layer(_unit(name))][0]})"
              for file, line, module, name in _edges() if _layer(_unit(name)) > _layer(_unit(module))]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_circle_between_packages() -> None:
    graph: dict[str, dict[str, str]] = defaultdict(dict)
    for file, line, module, name in _edges():
        graph[_unit(module)].setdefault(_unit(name), f"{file}:{line} imports {name}")
    circles = []
    for start in sorted(graph):
        path = _circle(graph, start)
        if path is not None and start == min(path):
            circles.append(" -> ".join(path) + "\n    " + "\n    ".join(
                graph[a][b] for a, b in zip(path, path[1:] + path[:1], strict=True)))
    assert not circles, "packages that import each other in a circle:\n" + "\n".join(circles)


def _circle(graph: dict[str, dict[str, str]], start: str) -> list[str] | None:
    """The shortest circle through ``start`` (breadth first), as the units along it; None without one."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        unit = todo.pop(0)
        for nxt in sorted(graph.get(unit, {})):
            if nxt == start:
                return paths[unit]
            if nxt not in paths:
                paths[nxt] = [*paths[unit], nxt]
                todo.append(nxt)
    return None


def test_sql_runs_in_the_store_only() -> None:
    found = [f"{path.relative_to(ROOT.parent)}:{n}: {line.strip()}"
             for path in sorted(ROOT.rglob("*.py")) if "store" not in path.relative_to(ROOT).parts[:1]
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if SQL.search(line)]
    assert not found, "SQL outside assistant/store/ (name the query in store/queries.py):\n" + "\n".join(found)


def test_the_exceptions_are_still_needed() -> None:
    """An exception whose import is gone is dropped from the list, so the list only ever shrinks."""
    imports = {(module, name) for module, path in _modules().items() for _, name in _imports(module, path)}
    stale = [f"{a} -> {b}" for a, b in EXCEPTIONS if (a, b) not in imports]
    assert not stale, "exceptions in tests/test_layers.py that no import needs any more:\n" + "\n".join(stale)
