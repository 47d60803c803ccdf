"""The code's layout (DESIGN.md): packages by stage, each importing only the stages below it.

Every import of every module under ``generator/`` is read with ``ast``: the top-level ones,
those inside functions (lazy) and those under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.model import states
from tests.conftest import ROOT

PACKAGE = ROOT / "generator"
MAX_LINES = 400

# Top-level modules every stage may use: errors, the clock, shipped files, the probe's reason
# codes, the file module, people's texts in several languages; and the model's names (states,
# statuses, the indicator), which the loaders check input against.
BASE = {"generator", "generator.errors", "generator.clock", "generator.resources",
        "generator.reasons", "generator.files", "generator.texts", "generator.model.states"}

# stage -> the stages it may import (itself and base included).
ALLOWED = {
    "base": {"base"},
    "load": {"base", "load"},
    "history": {"base", "load", "history"},
    "model": {"base", "load", "history", "model"},
    "render": {"base", "load", "model", "render"},
    "site": {"base", "load", "history", "model", "render", "site"},
    "probe": {"base", "load", "probe"},
    "notify": {"base", "load", "history", "model", "render", "notify"},
    "cli": {"base", "load", "history", "model", "render", "site", "probe", "notify", "cli"},
}

# (stage, what it never imports: a stage or a third-party package)
NEVER = [
    ("model", "render"), ("model", "jinja2"), ("model", "markupsafe"), ("model", "probe"),
    ("render", "probe"), ("render", "history"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = modules()


def imports(name: str, path: Path) -> Iterator[str]:
    """Every module ``name`` imports, wherever in the file the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from generator.render import api`` imports the module generator.render.api
                candidate = f"{source}.{alias.name}"
                yield candidate if candidate in MODULES else source


def stage(name: str) -> str:
    if name in BASE:
        return "base"
    if name == "generator.__main__":
        return "cli"
    parts = name.split(".")
    assert len(parts) > 1 and MODULES[".".join(parts[:2])].name == "__init__.py", (
        f"{name}: a module outside the stage packages; move it into one")
    return parts[1]


def graph() -> dict[str, set[str]]:
    return {name: {imported for imported in imports(name, path) if imported in MODULES
                   and imported != name}
            for name, path in MODULES.items()}


def test_the_stage_packages_exist() -> None:
    for package in ("load", "history", "model", "render", "site", "cli", "probe", "notify"):
        assert (PACKAGE / package / "__init__.py").is_file(), package


def test_every_module_belongs_to_a_stage() -> None:
    for name in MODULES:
        assert stage(name) in ALLOWED, name


def test_each_stage_imports_only_the_stages_below_it() -> None:
    wrong = sorted(f"{name} ({stage(name)}) imports {imported} ({stage(imported)})"
                   for name, imported_all in graph().items() for imported in imported_all
                   if stage(imported) not in ALLOWED[stage(name)])
    assert wrong == []


@pytest.mark.parametrize(("low", "never"), NEVER, ids=[f"{a}-{b}" for a, b in NEVER])
def test_the_nevers(low: str, never: str) -> None:
    wrong = []
    for name, path in MODULES.items():
        if stage(name) != low:
            continue
        for imported in imports(name, path):
            top = imported.split(".")
            if top[0] == never or (top[0] == "generator" and imported in MODULES
                                   and stage(imported) == never):
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def test_no_import_cycle_lazy_imports_included() -> None:
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_a_lazy_import_is_an_import(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from generator.render import pages\n    import jinja2\n")
    assert set(imports("generator.model.lazy", source)) == {"generator.render.pages", "jinja2"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_400_lines(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name]}: {lines} lines; split it"


# Issue 16: states and statuses are the model's enums from the loader's edge on; the code names
# them through the enums, never as string literals (the templates' word tables aside).
NAMES = {member.value for enum in (states.ComponentState, states.ProbeState,
                                   states.IncidentStatus, states.MaintenanceStatus)
         for member in enum}


def _literals(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value in NAMES and id(node) not in docstrings]


def test_no_state_or_status_is_a_string_literal_outside_states_py() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {value!r}"
             for path in sorted((ROOT / "generator").rglob("*.py"))
             # states.py names them; vendors.py maps the vendors' own words (their formats')
             if path.name not in ("states.py", "vendors.py")
             for line, value in _literals(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_literal_finder_finds_one() -> None:
    assert _literals('"""up"""\nx = "down"  # "degraded"\n') == [(2, "down")]
