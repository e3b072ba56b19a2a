"""The shipped ASIC catalogue and its checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import shared_file

from hashstack.catalog import load_catalog, read_catalog
from hashstack.errors import DataFileError, UnknownModelError


def test_shipped_catalogue_is_the_shared_one_less_rows_without_specs() -> None:
    shared = pd.read_csv(shared_file("bitcoin", "asic_models.csv"))
    complete = shared.dropna(subset=["hashrate_ths", "power_w"])
    shipped = load_catalog()
    assert sorted(m.model for m in shipped) == sorted(complete["model"])
    assert set(shared["model"]) - set(complete["model"]) == {"SEALMINER A1", "Teraflux AT1500"}
    for m in shipped:
        row = complete[complete["model"] == m.model].iloc[0]
        assert (m.hashrate_ths, m.power_w, m.source) == (row["hashrate_ths"], row["power_w"], row["source"])


def test_every_model_has_a_source_and_consistent_efficiency() -> None:
    for m in load_catalog():
        assert m.source
        assert m.power_w / m.hashrate_ths == pytest.approx(m.efficiency_j_per_th, rel=0.01)


def test_lookup_ignores_case_spacing_and_maker() -> None:
    cat = load_catalog()
    assert cat.get("antminer s21").model == "Antminer S21"
    assert cat.get("Bitmain Antminer S21+ Hydro").model == "Antminer S21+ Hydro"
    assert cat.get("antminer-s21").model == "Antminer S21"


def test_unknown_model_error_suggests() -> None:
    with pytest.raises(UnknownModelError, match=r"unknown ASIC model 'S21'.*Antminer S21"):
        load_catalog().get("S21")


def _write(tmp_path: Path, rows: str) -> Path:
    head = "manufacturer,model,release_year,hashrate_ths,power_w,efficiency_j_per_th,cooling,confidence,source\n"
    path = tmp_path / "cat.csv"
    path.write_text(head + rows)
    return path


def test_bad_catalogue_rows_name_row_and_field(tmp_path: Path) -> None:
    good = "Bitmain,X1,2024,100,2000,20,air,verified,spec sheet\n"
    with pytest.raises(DataFileError) as err:
        read_catalog(_write(tmp_path, good + "Bitmain,X2,2024,abc,2000,20,air,verified,src\n"))
    assert (err.value.row, err.value.field) == (2, "hashrate_ths")
    with pytest.raises(DataFileError) as err:
        read_catalog(_write(tmp_path, good + "Bitmain,X2,2024,100,2000,25,air,verified,src\n"))
    assert (err.value.row, err.value.field) == (2, "efficiency_j_per_th")
    with pytest.raises(DataFileError) as err:
        read_catalog(_write(tmp_path, good + "Bitmain,X2,2024,100,2000,20,oil,verified,src\n"))
    assert err.value.field == "cooling"
    with pytest.raises(DataFileError) as err:
        read_catalog(_write(tmp_path, good + "Bitmain,X1,2024,100,2000,20,air,verified,src\n"))
    assert "duplicate" in str(err.value)
    with pytest.raises(DataFileError) as err:
        read_catalog(_write(tmp_path, "Bitmain,X3,2024,100,2000,20,air,verified,\n"))
    assert err.value.field == "source"
