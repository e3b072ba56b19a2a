"""Terminal output shared by every CLI command: Rich tables by default, JSON for scripts."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

# Piped output (CI logs, files) gets a wide fixed width so tables are not squeezed to 80 columns.
stdout = Console(width=None if sys.stdout.isatty() else 180)
stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 180)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (NaN and inf become null; numpy values become Python)."""
    print(json.dumps(_jsonable(payload), indent=2, allow_nan=False))


def format_value(value: Any, digits: int = 4) -> str:
    """A compact human form of a cell value."""
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return "-"
        if v != 0 and (abs(v) >= 1e7 or abs(v) < 1e-3):
            return f"{v:.{digits}g}"
        return f"{v:,.{digits}f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.0f}"
    if value is None:
        return "-"
    return str(value)


def print_table(rows: Sequence[Mapping[str, Any]], title: str | None = None,
                columns: Sequence[str] | None = None) -> None:
    """Print ``rows`` (one mapping per row) as a Rich table with the given column order."""
    cols = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    table = Table(title=title, show_lines=False)
    for col in cols:
        table.add_column(col, justify="left" if rows and isinstance(rows[0].get(col), str) else "right")
    for row in rows:
        table.add_row(*(format_value(row.get(c)) for c in cols))
    stdout.print(table)


def print_record(record: Mapping[str, Any], title: str | None = None) -> None:
    """Print one mapping as a two-column table of field and value."""
    print_table([{"field": k, "value": format_value(v)} for k, v in record.items()], title=title)
