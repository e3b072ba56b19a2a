"""Runtime settings, built once at the edge (CLI callback or app factory) and passed down.

Nothing here is read at import time; :func:`Settings.from_env` is called by the CLI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path("../shared/data")
DEFAULT_DB_PATH = Path("hashstack.duckdb")
DEFAULT_MEMPOOL_URL = "https://mempool.space"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where hashstack finds external datasets and its store.

    Attributes
    ----------
    data_dir : folder holding the bulk datasets (``bitcoin/``, ``miners/``, ``electricity/``,
        ``maintenance/``); ``HASHSTACK_DATA_DIR`` overrides the default ``../shared/data``.
    db_path : the embedded DuckDB store; ``HASHSTACK_DB`` overrides the default ``hashstack.duckdb``.
    mempool_url : root of the mempool.space REST API used by ``--live``; ``HASHSTACK_MEMPOOL_URL``
        points it at a self-hosted instance.
    """

    data_dir: Path = DEFAULT_DATA_DIR
    db_path: Path = DEFAULT_DB_PATH
    mempool_url: str = DEFAULT_MEMPOOL_URL

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            data_dir=Path(env.get("HASHSTACK_DATA_DIR", str(DEFAULT_DATA_DIR))),
            db_path=Path(env.get("HASHSTACK_DB", str(DEFAULT_DB_PATH))),
            mempool_url=env.get("HASHSTACK_MEMPOOL_URL", DEFAULT_MEMPOOL_URL),
        )

    def data_path(self, *parts: str) -> Path:
        """Path of a dataset file below :attr:`data_dir`."""
        return self.data_dir.joinpath(*parts)
