"""Imports run one way: handlers -> ticketing.routes/http/responses -> services -> db and domain; nothing
lower imports anything higher, and the shared layer has no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared"
HANDLER_SIDE = {"ticketing.routes", "ticketing.http", "ticketing.responses", "ticketing.openapi"}


def module_name(path: Path) -> str:
    parts = path.relative_to(LAYER).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ticketing"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("ticketing"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in LAYER.rglob("*.py")}
    return {
        name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()
    }


def test_nothing_below_the_handlers_imports_the_http_side():
    for name, imported in graph().items():
        if name in HANDLER_SIDE:
            continue
        assert not imported & HANDLER_SIDE, f"{name} imports {imported & HANDLER_SIDE}"


def test_domain_and_db_import_no_service():
    for name, imported in graph().items():
        if name.startswith(("ticketing.domain", "ticketing.db")):
            assert not any(m.startswith("ticketing.services") for m in imported), name
        if name.startswith("ticketing.domain"):
            assert all(m.startswith("ticketing.domain") for m in imported), name


def test_the_shared_layer_has_no_import_cycle():
    edges = graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name in done:
            return
        for imported in edges.get(name, ()):
            visit(imported, (*path, name))
        done.add(name)

    for name in edges:
        visit(name, ())
