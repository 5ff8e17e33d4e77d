"""The shape of the code: how long the write path is, and how big its parts are.

Prints, for the package in the current directory (or ``--root``):

- the write path: every distinct ``dns_api`` function (and the modules they live in) that runs
  while ``PUT /zones/example.com/rrsets/www/A`` changes a one-record set into a two-record set
  (one update, one create) against the DNSimple emulator on a SQLite file; the emulator's own
  functions are not counted;
- the static shape: modules, functions, the longest function, the largest module, and every
  function over 40 lines and module over 350 lines (the emulator is listed apart: it may keep
  its own shape), and modules without a docstring.

Usage: .venv/bin/python bench/census.py [--root DIR] [--list]
(``--root`` measures another checkout, e.g. a ``git worktree`` of an older commit.)
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

FUNCTION_LIMIT = 40
MODULE_LIMIT = 350


def static_shape(package: Path) -> dict[str, Any]:
    modules: list[tuple[str, int]] = []
    functions: list[tuple[str, int]] = []
    undocumented: list[str] = []
    for path in sorted(package.rglob("*.py")):
        relative = str(path.relative_to(package.parent))
        source = path.read_text()
        tree = ast.parse(source)
        modules.append((relative, len(source.splitlines())))
        if ast.get_docstring(tree) is None:
            undocumented.append(relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                functions.append((f"{relative}:{node.lineno} {node.name}", length))
    return {"modules": modules, "functions": functions, "undocumented": undocumented}


def trace_write_path(root: Path) -> tuple[set[str], set[str]]:
    sys.path.insert(0, str(root))
    from fastapi.testclient import TestClient

    from dns_api.app import create_app
    from dns_api.db import migrate
    from dns_api.emulator import EmulatorState, start_emulator
    from dns_api.services.auth import LegacyTokenVerifier
    from dns_api.settings import Settings

    package = str(root / "dns_api")
    emulator_package = str(root / "dns_api" / "emulator")
    seen: set[str] = set()
    recording = threading.Event()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event != "call" or not recording.is_set():
            return
        filename = frame.f_code.co_filename
        if filename.startswith(package) and not filename.startswith(emulator_package):
            module = filename[len(str(root)) + 1 :]
            seen.add(f"{module}:{frame.f_code.co_qualname}")

    secret = "census-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
    state = EmulatorState(account_id=1010, token="census-token", zones=["example.com"])
    with tempfile.TemporaryDirectory() as folder, start_emulator(state) as emulator:
        url = f"sqlite:///{folder}/census.db"
        migrate.upgrade(url)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            secret_key=secret,
            valid_users=["alice"],
            dnsimple_account_id="1010",
            dnsimple_account_token="census-token",
            dnsimple_domains=["example.com"],
            dnsimple_base_url=emulator.url,
            database_url=url,
        )
        token = LegacyTokenVerifier(secret, ["alice"]).issue("alice")
        headers = {"Authorization": f"Bearer {token}"}
        threading.setprofile(profile)
        sys.setprofile(profile)
        with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:
            path = "/zones/example.com/rrsets/www/A"
            # Warm up every lazy path on another name first, then trace the real one.
            for name in ("warm", "www"):
                client.put(
                    path.replace("www", name), headers=headers, json={"records": ["192.0.2.1"]}
                )
            client.put(
                path.replace("www", "warm"),
                headers=headers,
                json={"records": ["192.0.2.2", "192.0.2.3"]},
            )
            recording.set()
            response = client.put(
                path, headers=headers, json={"records": ["192.0.2.2", "192.0.2.3"]}
            )
            recording.clear()
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    if response.status_code != 200:
        raise SystemExit(
            f"census: the traced write answered {response.status_code}: {response.text}"
        )
    # Named functions only: comprehensions and lambdas are expressions, not steps.
    functions = {
        name
        for name in seen
        if not re.search(r"<(module|listcomp|setcomp|dictcomp|genexpr|lambda)>", name)
    }
    return functions, {name.split(":")[0] for name in functions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--list", action="store_true", help="list the write path's functions")
    options = parser.parse_args()
    root = options.root.resolve()

    functions, modules = trace_write_path(root)
    print(
        "write path (PUT rrset, one update + one create): "
        f"{len(functions)} functions in {len(modules)} modules"
    )
    layers: dict[str, int] = {}
    for name in functions:
        parts = name.split("/")
        layer = parts[1] if len(parts) > 2 else parts[1].split(":")[0]
        layers[layer] = layers.get(layer, 0) + 1
    print("  by layer: " + ", ".join(f"{layer} {count}" for layer, count in sorted(layers.items())))
    if options.list:
        for name in sorted(functions):
            print(f"  {name}")

    shape = static_shape(root / "dns_api")
    product = [m for m in shape["modules"] if "/emulator/" not in m[0]]
    product_functions = [f for f in shape["functions"] if "/emulator/" not in f[0]]
    longest = max(product_functions, key=lambda item: item[1])
    largest = max(product, key=lambda item: item[1])
    print(f"modules: {len(shape['modules'])} ({len(product)} outside the emulator)")
    print(f"functions: {len(shape['functions'])} ({len(product_functions)} outside the emulator)")
    print(f"longest function (outside the emulator): {longest[0]} = {longest[1]} lines")
    print(f"largest module (outside the emulator): {largest[0]} = {largest[1]} lines")
    long_functions = sorted(
        (f for f in product_functions if f[1] > FUNCTION_LIMIT), key=lambda f: -f[1]
    )
    big_modules = sorted((m for m in product if m[1] > MODULE_LIMIT), key=lambda m: -m[1])
    print(f"functions over {FUNCTION_LIMIT} lines: {len(long_functions)}")
    for name, length in long_functions:
        print(f"  {length:4d}  {name}")
    print(f"modules over {MODULE_LIMIT} lines: {len(big_modules)}")
    for name, length in big_modules:
        print(f"  {length:4d}  {name}")
    print(f"modules without a docstring: {len(shape['undocumented'])}")
    for name in shape["undocumented"]:
        print(f"  {name}")


if __name__ == "__main__":
    main()
