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
    "cli.py", "cli_context.py", "*/cli.py", "*_cli.py", "*/*_cli.py", "console.py",
    "demo.py", "*/demo.py", "*/*_demo.py",
    "network/mempool.py",
    "telemetry/*", "telemetry/*/*", "store/*", "store/*/*", "api/*", "api/*/*",
    "energy/live.py",
    "power/actuation.py",  # executes staged plans over an async control path (the planner stays pure)
]
# Loaders read local files (a data file, a config file, package data) and turn them into records; they
# may do file I/O but, like science, import no network, database or server code.
LOADERS = [
    "catalog/models.py", "fleet.py", "network/history.py", "network/snapshot.py", "capital/loaders.py",
    "energy/epftoolbox.py", "energy/ercot.py", "energy/ercot_load.py", "energy/prices.py",
    "energy/curtailment_inputs.py", "power/site.py", "tomlfile.py", "risk/history.py",
]
FILE_IO_CALLS = {"open", "read_csv", "read_text", "read_bytes", "write_text", "write_bytes", "to_csv", "read_parquet",
                 "to_parquet", "read_json", "to_json", "dup2", "fdopen", "urlopen"}
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


def _file_io_calls(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if name in FILE_IO_CALLS:
                names.add(name)
    return names


def _matches(path: Path, patterns: list[str]) -> bool:
    return any(fnmatch(str(path.relative_to(SRC)), p) for p in patterns)


def test_science_modules_do_no_file_io() -> None:
    science = [p for p in SRC.rglob("*.py") if not _matches(p, EDGES + LOADERS)]
    offenders = {str(p.relative_to(SRC)): sorted(calls) for p in science
                 if (calls := _file_io_calls(ast.parse(p.read_text())))}
    assert offenders == {}


def test_science_modules_import_no_io() -> None:
    offenders = {}
    science = [p for p in SRC.rglob("*.py") if not any(fnmatch(str(p.relative_to(SRC)), e) for e in EDGES)]
    assert len(science) >= 10
    for path in science:
        bad = _imports(ast.parse(path.read_text())) & FORBIDDEN
        if bad:
            offenders[str(path.relative_to(SRC))] = sorted(bad)
    assert offenders == {}


def test_the_checks_catch_an_offender() -> None:
    tree = ast.parse("def f(p):\n    import duckdb\n    from httpx import Client\n    return pd.read_csv(p)\n")
    assert _imports(tree) & FORBIDDEN == {"duckdb", "httpx"}
    assert _file_io_calls(tree) == {"read_csv"}
