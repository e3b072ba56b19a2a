"""The capital demo section runs on package data only."""

from __future__ import annotations

from pathlib import Path

from hashstack.capital.demo import demo_section
from hashstack.config import Settings


def test_demo_section_on_package_data(tmp_path: Path) -> None:
    # a data dir that does not exist: the section must not need ../shared/data
    out = demo_section(Settings(data_dir=tmp_path / "absent"), tmp_path, quiet=True)
    assert out["date"] == "2025-09-30"
    assert out["sector_ratio_market"] > 0
    mara = out["companies"]["MARA"]
    assert mara["flag_market"] in ("", "high", "dangerously high")
    assert (mara["ratio_market"] >= 1.8) == (mara["flag_market"] == "dangerously high")
