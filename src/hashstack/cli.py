"""The ``hashstack`` command line: every command is a thin adapter over a library function.

Errors a user can cause (bad files, bad options) are :class:`hashstack.errors.HashstackError`;
:func:`main` prints them as one line on stderr and exits with code 2.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hashstack import __version__
from hashstack.config import Settings
from hashstack.console import stderr
from hashstack.errors import HashstackError

app = typer.Typer(
    name="hashstack",
    help="Bitcoin mining economics, capital-structure risk, fleet telemetry and AI operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]


def settings_of(ctx: typer.Context) -> Settings:
    """The settings object built once in the callback."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings.from_env()


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Bitcoin mining economics, capital-structure risk, fleet telemetry and AI operations.

    Datasets are read from HASHSTACK_DATA_DIR (default ../shared/data); the store is HASHSTACK_DB
    (default hashstack.duckdb).
    """
    ctx.obj = Settings.from_env()


@app.command()
def version() -> None:
    """Print the hashstack version."""
    print(__version__)


def main() -> None:
    """Console entry point: run the app, turning hashstack errors into exit code 2."""
    try:
        app(standalone_mode=False)
    except HashstackError as exc:
        stderr.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        stderr.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
