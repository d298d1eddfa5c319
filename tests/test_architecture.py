"""The layer order of ARCHITECTURE.md holds: no module imports from a room above its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src" / "reanalyse"
#: A result's plot method imports the plots when called (results plot themselves).
LAZY_ALLOWED = {"plots"}


def layers() -> list[list[str]]:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = re.search(r"```layers\n(.*?)```", text, re.DOTALL)
    assert block, "ARCHITECTURE.md has no ```layers block"
    return [line.split() for line in block.group(1).splitlines() if line.strip()]


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(init)"


class _Imports(ast.NodeVisitor):
    """``(module imported, inside a function, line)`` for every reanalyse import, leaving out
    ``if TYPE_CHECKING:`` blocks."""

    def __init__(self) -> None:
        self.found: list[tuple[str, bool, int]] = []
        self.depth = 0

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.split(".")[0] == "reanalyse":
            names = ([node.module] if node.module != "reanalyse"
                     else [f"reanalyse.{a.name}" for a in node.names])
            self.found += [(n, self.depth > 0, node.lineno) for n in names]

    def visit_Import(self, node: ast.Import) -> None:
        self.found += [(a.name, self.depth > 0, node.lineno) for a in node.names
                       if a.name.split(".")[0] == "reanalyse"]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_room_has_a_layer() -> None:
    ranked = {r for line in layers() for r in line}
    rooms = {room(module_name(p)) for p in SRC.rglob("*.py")}
    assert rooms <= ranked, f"rooms missing from ARCHITECTURE.md's layers: {rooms - ranked}"
    assert ranked - rooms <= set(), f"layers name rooms that do not exist: {ranked - rooms}"


def test_no_module_imports_from_a_layer_above_it() -> None:
    rank = {r: i for i, line in enumerate(layers()) for r in line}
    upward = []
    for path in sorted(SRC.rglob("*.py")):
        here = room(module_name(path))
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        for target, lazy, line in visitor.found:
            there = room(target)
            if rank[there] > rank[here] and not (lazy and there in LAZY_ALLOWED):
                upward.append(f"{path.relative_to(REPO)}:{line} {here} -> {there}")
    assert not upward, "imports from a layer above:\n" + "\n".join(upward)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The visitor finds module-level and function-level imports and skips TYPE_CHECKING."""
    code = ("from typing import TYPE_CHECKING\nfrom reanalyse.pipeline import run\n"
            "if TYPE_CHECKING:\n    from reanalyse.cli import main\n"
            "def f():\n    from reanalyse.plots import plot_forest\n")
    visitor = _Imports()
    visitor.visit(ast.parse(code))
    assert visitor.found == [("reanalyse.pipeline", False, 2), ("reanalyse.plots", True, 6)]


def test_no_top_level_asset_folders_and_no_python_in_assets() -> None:
    for name in ("priors", "models"):
        assert not (REPO / name).exists(), f"{name}/ moved into src/reanalyse/assets/"
    assets = SRC / "assets"
    assert not list(assets.rglob("*.py"))
    for name in ("priors", "models", "defaults"):
        assert list((assets / name).glob("*.toml")), name
