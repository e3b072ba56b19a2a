"""The exception tree of hashstack.

Every error that a user can cause with bad input derives from :class:`HashstackError`; the CLI turns
those into one clear message and exit code 2.  Errors about files carry the file, the row (or line)
and the field at fault so the message can say exactly where to look.
"""

from __future__ import annotations

from pathlib import Path


class HashstackError(Exception):
    """Base class of every error hashstack raises on purpose."""


class InputError(HashstackError, ValueError):
    """A value given by the user is invalid (a CLI option, a function argument)."""


class DataFileError(HashstackError):
    """A data or configuration file is malformed.

    Parameters
    ----------
    path : path of the file at fault
    message : what is wrong
    row : 1-based data row (CSV) or line (TOML) at fault, when known
    field : column or key at fault, when known
    """

    def __init__(
        self, path: str | Path, message: str, *, row: int | None = None, field: str | None = None
    ) -> None:
        self.path = Path(path)
        self.row = row
        self.field = field
        self.reason = message
        where = str(self.path)
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class UnknownModelError(HashstackError, KeyError):
    """An ASIC model name is not in the catalogue."""

    def __init__(self, model: str, known: list[str]) -> None:
        self.model = model
        close = [k for k in known if model.lower().replace(" ", "") in k.lower().replace(" ", "")]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        super().__init__(f"unknown ASIC model '{model}'{hint} (see `hashstack catalog`)")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class MissingDataError(HashstackError, FileNotFoundError):
    """A dataset expected under the data directory is absent."""


class LiveDataError(HashstackError):
    """A live data source answered with an error or an unexpected payload."""
