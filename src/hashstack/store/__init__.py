"""Telemetry store: DuckDB by default (one file, one writer), PostgreSQL behind the same interface.

Use :func:`open_store` with a file path (DuckDB) or a ``postgresql://`` URL.
"""

from __future__ import annotations

from pathlib import Path

from hashstack.store.base import RetentionPolicy, StoreError, TelemetryStore

__all__ = ["RetentionPolicy", "StoreError", "TelemetryStore", "open_store"]


def open_store(target: str | Path, read_only: bool = False) -> TelemetryStore:
    """Open the store at ``target``: a ``postgresql://`` / ``postgres://`` URL or a DuckDB file path.

    Parameters
    ----------
    target : DuckDB file path, or PostgreSQL URL / libpq string starting with ``postgresql://``
    read_only : DuckDB only: open without the writer lock
    """
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        from hashstack.store.postgres_store import PostgresStore

        if read_only:
            raise StoreError("read_only applies to the DuckDB store; use a read-only PostgreSQL role")
        return PostgresStore(text)
    from hashstack.store.duckdb_store import DuckDBStore

    return DuckDBStore(text, read_only=read_only)
