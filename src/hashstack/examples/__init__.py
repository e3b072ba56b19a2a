"""Example inputs shipped in the package (a copy of the repo's ``examples/``), used by the demo."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def example_site_path() -> Path:
    """Path of the shipped example site TOML."""
    return Path(str(resources.files("hashstack.examples").joinpath("site.toml")))
