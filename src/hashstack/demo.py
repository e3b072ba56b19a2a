"""The main job, ``hashstack demo``: each capability shown working on the embedded defaults.

Every capability that lands adds one section to :data:`DEMO_SECTIONS`. A section is a function
``(settings, workdir) -> dict``: it prints its own Rich output and returns the figures it showed, which
``hashstack demo --json`` prints instead.  Sections use only what ships in the package (the example
site, the network snapshot, a simulated site on loopback, a DuckDB file in ``workdir``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashstack.config import Settings

DemoSection = Callable[[Settings, Path, bool], dict[str, Any]]


def demo_sections() -> list[tuple[str, DemoSection]]:
    """The demo's sections in the order they run (imported lazily so `--help` stays fast)."""
    from hashstack.site_economics import economics_section

    return [
        ("economics", economics_section),
    ]


def run_demo(settings: Settings, workdir: Path, quiet: bool = False) -> dict[str, Any]:
    """Run every section; ``quiet`` suppresses the tables (for ``--json``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return {name: section(settings, workdir, quiet) for name, section in demo_sections()}
