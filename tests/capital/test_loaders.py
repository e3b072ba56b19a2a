"""The shipped dataset and the user-file readers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hashstack.capital import (
    Collateral,
    InstrumentType,
    load_public_miners,
    read_company_toml,
    read_instruments_csv,
)
from hashstack.capital.loaders import package_data_path
from hashstack.errors import DataFileError


def test_public_miners_load_with_sources() -> None:
    companies = load_public_miners()
    assert len(companies) == 18
    instruments = [i for c in companies.values() for i in c.instruments]
    assert len(instruments) == 106
    assert all(i.source_url.startswith("http") for i in instruments)
    assert all(m.source_url.startswith("http") for c in companies.values() for m in c.metrics)


def test_mara_2031_convertible_terms() -> None:
    mara = load_public_miners()["MARA"]
    note = next(i for i in mara.instruments if i.id == "MARA-2024-CV31S")
    assert note.instrument_type is InstrumentType.CONVERTIBLE
    assert note.principal_usd == 300_000_000
    assert note.coupon_frac == pytest.approx(0.02125)
    assert note.maturity_date == date(2031, 9, 1)
    assert note.holder_put_dates == (date(2029, 3, 1),)
    assert note.issuer_call_date == date(2028, 9, 6)
    assert note.call_trigger_frac == pytest.approx(1.30)
    # conversion price = 1000 / conversion rate within 0.1 %
    assert note.conversion_price_usd == pytest.approx(1000 / note.conversion_rate_per_1000_usd, rel=1e-3)


def test_btc_loan_thresholds() -> None:
    hut = load_public_miners()["HUT"]
    two_prime = next(i for i in hut.instruments if i.id == "HUT-2025-2PRIME")
    assert two_prime.collateral is Collateral.BTC
    assert two_prime.margin_call_ltv_frac == pytest.approx(1 / 1.35)


def test_upsizes_are_not_double_counted() -> None:
    clsk = load_public_miners()["CLSK"]
    live = {i.id for i in clsk.outstanding(date(2025, 9, 30))}
    assert "CLSK-2025-CB-UP2" in live
    assert "CLSK-2025-CB-UP1" not in live and "CLSK-2024-CB" not in live
    up2 = next(i for i in clsk.instruments if i.id == "CLSK-2025-CB-UP2")
    assert up2.amount_usd(date(2025, 9, 30)) == 174_500_000  # drawn balance, not the $300M cap


def _write_csv_with(tmp_path: Path, edit: str, value: str) -> Path:
    src = package_data_path("instruments.csv").read_text(encoding="utf-8").splitlines()
    header = src[0].split(",")
    col = header.index(edit)
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(src[:4]))))
    rows[2][col] = value
    out = tmp_path / "bad.csv"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("field", "value"),
    [("coupon_frac", "2.5"), ("instrument_type", "junk bond"), ("maturity_date", "2031-13-01"),
     ("principal_usd", "lots"), ("collateral", "gold")],
)
def test_bad_csv_names_row_and_field(tmp_path: Path, field: str, value: str) -> None:
    path = _write_csv_with(tmp_path, field, value)
    with pytest.raises(DataFileError) as exc:
        read_instruments_csv(path)
    assert exc.value.row == 2
    assert exc.value.field == field
    assert "bad.csv, row 2" in str(exc.value)


def test_company_toml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(
        """
[company]
ticker = "ACME"
name = "Acme Mining"

[[metric]]
metric = "hashrate_ths"
value = 5.0e6
as_of = 2025-06-30
source_url = "https://example.org/acme-q2"

[[instrument]]
id = "ACME-2025-CV30"
instrument_type = "convertible"
principal_usd = 2.0e8
coupon_frac = 0.0175
issue_date = 2025-05-01
maturity_date = 2030-05-01
conversion_price_usd = 12.5
use_of_proceeds = ["asic", "general"]
holder_put_dates = [2028-05-01]
""",
        encoding="utf-8",
    )
    acme = read_company_toml(path)
    assert acme.metric_value("hashrate_ths") == 5.0e6
    (note,) = acme.instruments
    assert note.ticker == "ACME"
    assert note.holder_put_dates == (date(2028, 5, 1),)
    assert note.is_outstanding(date(2026, 1, 1)) and not note.is_outstanding(date(2030, 5, 1))


def test_company_toml_bad_instrument(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[company]\nticker = "X"\nname = "X"\n[[instrument]]\nid = "a"\ninstrument_type = "convertible"\n'
        '[[instrument]]\nid = "b"\ninstrument_type = "convertible"\nltv_frac = 70\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as exc:
        read_company_toml(path)
    assert (exc.value.row, exc.value.field) == (2, "ltv_frac")
