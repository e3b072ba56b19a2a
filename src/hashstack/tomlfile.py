"""Reading TOML configuration files into pydantic models, with errors that name file, line and field.

Used by every hashstack config file (sites, power layouts): one place maps a TOML syntax error or a
validation error to a :class:`~hashstack.errors.DataFileError` pointing at the line to fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hashstack.errors import DataFileError

ModelT = TypeVar("ModelT", bound=BaseModel)


def _table_end(lines: list[str], start: int) -> int:
    nxt = [i for i in range(start + 1, len(lines)) if re.match(r"\s*\[", lines[i])]
    return nxt[0] if nxt else len(lines)


def array_table_line(text: str, name: str, index: int) -> int | None:
    """1-based line of the ``index``-th ``[[name]]`` header, or None."""
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if re.match(rf"\s*\[\[\s*{re.escape(name)}\s*\]\]", ln)]
    return hits[index] if 0 <= index < len(hits) else None


def line_of(text: str, loc: Sequence[Any], arrays: Sequence[str] = ()) -> int | None:
    """Best-effort 1-based line of a pydantic error location in TOML text.

    ``arrays`` names the top-level arrays of tables (``[[miners]]``); a location such as
    ``("miners", 2, "model")`` then points into the third ``[[miners]]`` table.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    path = [p for p in loc if isinstance(p, (str, int))]
    key: Any
    if path and path[0] in arrays:
        if len(path) > 1 and isinstance(path[1], int):
            header = array_table_line(text, str(path[0]), path[1])
            if header is None:
                return None
            start = header - 1
            end = _table_end(lines, start)
            key = path[2] if len(path) > 2 and isinstance(path[2], str) else None
        else:
            return array_table_line(text, str(path[0]), 0)
    else:
        key = next((p for p in reversed(path) if isinstance(p, str)), None)
        table = ".".join(str(p) for p in path[:-1]) if len(path) > 1 else None
        if table:
            hdr = [i for i, ln in enumerate(lines) if re.match(rf"\s*\[\s*{re.escape(table)}\s*\]", ln)]
            if hdr:
                start = hdr[0]
                end = _table_end(lines, start)
    if key is None:
        return start + 1
    for i in range(start, end):
        if re.match(rf"\s*{re.escape(str(key))}\s*=", lines[i]):
            return i + 1
    return start + 1


def read_toml_model(path: str | Path, model: type[ModelT], arrays: Sequence[str] = ()) -> tuple[str, ModelT]:
    """Read ``path`` and validate it as ``model``; returns the text (for later line look-ups) and the model.

    Raises
    ------
    DataFileError : unreadable file, malformed TOML (with the parser's line), or the first validation
        error (with its line, found by :func:`line_of`, and its dotted field path)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataFileError(path, f"malformed TOML: {exc}", row=int(m.group(1)) if m else None) from None
    try:
        return text, model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise DataFileError(path, err["msg"], row=line_of(text, loc, arrays),
                            field=".".join(str(p) for p in loc)) from None
