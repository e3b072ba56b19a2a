"""The shipped tables are exactly what the curation script makes from the shared research sample."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from tests.conftest import shared_file

from hashstack.capital.loaders import package_data_path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "curate_capital_data.py"


@pytest.mark.parametrize("name", ["instruments.csv", "company_metrics.csv", "companies.csv", "asic_prices.csv",
                                  "issuance_reported.csv"])
def test_shipped_table_is_reproducible(tmp_path: Path, name: str) -> None:
    miners = shared_file("miners", "debt_instruments.csv").parent
    shared_file("bitcoin", "asic_price_index_reference_values.csv")
    main = runpy.run_path(str(SCRIPT))["main"]
    main(["curate", str(miners), str(tmp_path)])
    assert (tmp_path / name).read_text(encoding="utf-8") == package_data_path(name).read_text(encoding="utf-8")
