"""What every CLI sub-app shares: the ``--json`` option and the settings built in the root callback.

Sub-apps import these from here, not from :mod:`hashstack.cli`, which imports the sub-apps.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hashstack.config import Settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]


def settings_of(ctx: typer.Context) -> Settings:
    """The settings object built once in the root callback (from the environment when run standalone)."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings.from_env()
