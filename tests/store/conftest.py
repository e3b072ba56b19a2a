"""Store fixtures: a DuckDB file in tmp, and a real PostgreSQL server started by the test session.

The PostgreSQL cluster is created with ``initdb`` in a temporary directory, listens on 127.0.0.1 on a
free port, runs as the ``postgres`` user when the tests run as root (postgres refuses root), and is
stopped at the end of the session.  When the binaries are missing the PostgreSQL tests fail under
``CI=true`` (``make postgres-available`` installs them) and skip elsewhere.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    for cand in [os.environ.get("PG_BIN", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        if cand and (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (run `make postgres-available`)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a throw-away PostgreSQL server on 127.0.0.1, alive for the test session."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        _missing("PostgreSQL binaries (initdb, pg_ctl) not found")
        return
    base = Path(tempfile.mkdtemp(prefix="hashstack-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        runuser = shutil.which("runuser")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            _missing("running as root and no 'postgres' user to run the server as")
            return
        if runuser is None:
            shutil.rmtree(base, ignore_errors=True)
            _missing("running as root and no runuser to drop privileges")
            return
        prefix = [runuser, "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120)
        opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                        str(base / "log"), "-w", "-t", "60", "start"], check=True, capture_output=True,
                       timeout=90)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc}\n{getattr(exc, 'stderr', b'')!r}\n{log}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["duckdb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """Each store backend, empty (contract tests run against both)."""
    if request.param == "duckdb":
        from hashstack.store.duckdb_store import DuckDBStore

        s = DuckDBStore(tmp_path / "t.duckdb")
        yield s
        s.close()
        return
    url = request.getfixturevalue("postgres_url")
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        for table in ("miners", "samples", "samples_5m", "fleet_5m", "polls", "control_actions", "failures",
                      "store_meta"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    from hashstack.store.postgres_store import PostgresStore

    s = PostgresStore(url)
    yield s
    s.close()
