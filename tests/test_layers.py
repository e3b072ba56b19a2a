"""Layering: science and record modules import no I/O code (conventions: layers).

Every module under src/hashstack is science or records unless it is listed as an edge below. Science
may not import sockets, servers, databases, HTTP clients, the CLI or terminal output; imports inside
functions count too.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hashstack"

# Modules that own I/O (paths relative to src/hashstack, glob patterns).
EDGES = [
    "cli.py", "cli_context.py", "*/cli.py", "*_cli.py", "*/*_cli.py", "console.py", "demo.py", "*/demo.py",
    "network/mempool.py",
    "telemetry/*", "telemetry/*/*", "store/*", "store/*/*", "api/*", "api/*/*",
    "energy/live.py",
    "power/actuation.py",  # executes staged plans over an async control path (the planner stays pure)
]
FORBIDDEN = {"socket", "asyncio", "selectors", "http", "urllib", "httpx", "requests", "aiohttp", "duckdb",
             "psycopg", "sqlite3", "fastapi", "starlette", "uvicorn", "pyasic", "typer", "click", "rich",
             "gridstatus", "subprocess"}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_science_modules_import_no_io() -> None:
    offenders = {}
    science = [p for p in SRC.rglob("*.py") if not any(fnmatch(str(p.relative_to(SRC)), e) for e in EDGES)]
    assert len(science) >= 10
    for path in science:
        bad = _imports(ast.parse(path.read_text())) & FORBIDDEN
        if bad:
            offenders[str(path.relative_to(SRC))] = sorted(bad)
    assert offenders == {}


def test_the_check_catches_an_offender(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    import duckdb\n    from httpx import Client\n")
    assert _imports(tree) & FORBIDDEN == {"duckdb", "httpx"}
