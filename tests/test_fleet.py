"""Site TOML files: the example loads; bad files name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashstack.errors import DataFileError
from hashstack.examples import example_site_path
from hashstack.fleet import read_price_series, read_site

REPO = Path(__file__).resolve().parents[1]

GOOD = """[site]
name = "t"
power_capacity_mw = 1.0
pool_fee_frac = 0.02

[site.tariff]
fixed_usd_per_mwh = 40.0

[[miners]]
model = "Antminer S21"
count = 100

[[miners]]
model = "Antminer S19j Pro"
count = 10
tuning_frac = 0.8
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


def test_example_site_ships_in_repo_and_package_identically() -> None:
    assert (REPO / "examples" / "site.toml").read_text() == example_site_path().read_text()
    site = read_site(REPO / "examples" / "site.toml")
    assert site.miner_count == 13_000
    assert site.power_w < site.power_capacity_mw * 1e6
    assert site.location.settlement_point == "HB_WEST"


def test_good_site_values(tmp_path: Path) -> None:
    site = read_site(write(tmp_path, GOOD))
    s21, s19 = site.miners
    assert s21.hashrate_ths_each == 200 and s21.power_w_each == pytest.approx(3500)
    assert s19.hashrate_ths_each == pytest.approx(0.8 * 104)
    assert s19.power_w_each < 0.8 * 3068  # underclocked: power falls faster than hash rate
    assert site.hashrate_ths == pytest.approx(100 * 200 + 10 * 83.2)


def test_malformed_toml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('name = "t"', 'name = "t'))
    with pytest.raises(DataFileError) as err:
        read_site(path)
    assert err.value.row == 2 and str(path) in str(err.value)


def test_unknown_model_names_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('model = "Antminer S19j Pro"', 'model = "Antminer S99"'))
    with pytest.raises(DataFileError) as err:
        read_site(path)
    assert err.value.field == "miners.1.model" and err.value.row == 14
    assert "unknown ASIC model 'Antminer S99'" in str(err.value)


def test_invalid_value_names_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("count = 10\n", "count = -3\n"))
    with pytest.raises(DataFileError) as err:
        read_site(path)
    assert err.value.field == "miners.1.count" and err.value.row == 15


def test_missing_and_unknown_fields(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as err:
        read_site(write(tmp_path, GOOD.replace("power_capacity_mw = 1.0\n", "")))
    assert err.value.field == "site.power_capacity_mw"
    with pytest.raises(DataFileError) as err:
        read_site(write(tmp_path, GOOD.replace("pool_fee_frac = 0.02", "pool_fee_pct = 2")))
    assert err.value.field == "site.pool_fee_pct" and err.value.row == 4


def test_fleet_over_capacity_rejected(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="over the site capacity"):
        read_site(write(tmp_path, GOOD.replace("count = 100", "count = 1000")))


def test_price_series_tariff(tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text(
        "interval_start_utc,price_usd_per_mwh\n2025-01-01T00:00Z,30\n2025-01-01T01:00Z,50\n")
    site = read_site(write(tmp_path, GOOD.replace("fixed_usd_per_mwh = 40.0", 'price_series_file = "prices.csv"')))
    assert site.tariff.mean_price_usd_per_mwh() == 40.0
    (tmp_path / "bad.csv").write_text("interval_start_utc,price_usd_per_mwh\n2025-01-01T00:00Z,x\n")
    with pytest.raises(DataFileError) as err:
        read_price_series(tmp_path / "bad.csv")
    assert (err.value.row, err.value.field) == (1, "price_usd_per_mwh")


@pytest.mark.parametrize(("rows", "row", "needle"), [
    ("2025-01-01T00:00,30\n", 1, "without a UTC offset"),
    ("2025-01-01T00:00Z,30\n2025-01-01T01:00Z,inf\n", 2, "not a finite number"),
    ("2025-01-01T01:00Z,30\n2025-01-01T00:00Z,31\n", 2, "unique and increasing"),
    ("2025-01-01T00:00Z,30\nyesterday,31\n", 2, "not a timestamp"),
])
def test_price_series_rejects_ambiguous_rows(tmp_path: Path, rows: str, row: int, needle: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text("interval_start_utc,price_usd_per_mwh\n" + rows)
    with pytest.raises(DataFileError, match=needle) as err:
        read_price_series(path)
    assert err.value.row == row and str(path) in str(err.value)


def test_price_series_accepts_offsets_and_negative_prices(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("interval_start_utc,price_usd_per_mwh\n2025-03-09T01:00-06:00,-5\n2025-03-09T07:15+00:00,12\n")
    series = read_price_series(path)
    assert str(series.index.tz) == "UTC" and series.index[0].hour == 7 and series.iloc[0] == -5


def test_unknown_time_zone_names_line(tmp_path: Path) -> None:
    text = GOOD.replace("[site.tariff]", '[site.location]\ntimezone = "Mars/Olympus"\n\n[site.tariff]')
    with pytest.raises(DataFileError, match="unknown IANA time zone") as err:
        read_site(write(tmp_path, text))
    assert err.value.field == "site.location.timezone" and err.value.row == 7
