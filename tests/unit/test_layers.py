"""The layers of docs/architecture.md hold: each package imports only what it may.

HTTP, the console and the command line (``api``, ``console``, ``cli``) reach storage only
through the services; the services never shape HTTP; the domain is pure; storage knows nothing
of the layers above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dns_api"

# What each layer may import of dns_api (its own package always).
ALLOWED: dict[str, tuple[str, ...]] = {
    "domain": ("dns_api.errors",),
    "providers": ("dns_api.domain", "dns_api.errors"),
    "db": ("dns_api.domain", "dns_api.errors", "dns_api.providers.base"),
    "services": (
        "dns_api.db",
        "dns_api.domain",
        "dns_api.errors",
        "dns_api.providers",
        "dns_api.settings",
    ),
}
# Storage internals the edges must not touch: they call services instead.
STORAGE = ("sqlalchemy", "dns_api.db.models", "dns_api.db.database")
# The command line's migration commands run Alembic and check the schema themselves.
MIGRATION_COMMANDS = {"cli/db.py", "cli/server_side.py"}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_inner_layers_import_only_what_they_may(layer: str) -> None:
    allowed = (f"dns_api.{layer}", *ALLOWED[layer])
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules(layer)
        if "migrations" not in path.parts
        for name in imports_of(path)
        if name.startswith("dns_api") and not within(name, allowed)
    }
    assert sorted(wrong) == []


@pytest.mark.parametrize("layer", ["api", "cli", "console"])
def test_the_edges_reach_storage_only_through_services(layer: str) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules(layer)
        if str(path.relative_to(PACKAGE)) not in MIGRATION_COMMANDS
        for name in imports_of(path)
        if within(name, STORAGE)
    }
    assert sorted(wrong) == []


def test_the_command_line_does_not_use_the_http_layer() -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules("cli")
        for name in imports_of(path)
        if within(name, ("dns_api.api",))
    }
    assert sorted(wrong) == []


@pytest.mark.parametrize("layer", ["domain", "db", "providers", "services", "api"])
def test_the_service_never_imports_the_emulator_or_the_command_line(layer: str) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules(layer)
        for name in imports_of(path)
        if within(name, ("dns_api.emulator", "dns_api.cli"))
    }
    assert sorted(wrong) == []
