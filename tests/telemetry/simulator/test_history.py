from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.telemetry.simulator.conftest import fake_spec

from hashstack.errors import InputError
from hashstack.telemetry.simulator.failures import FailureSettings
from hashstack.telemetry.simulator.history import TELEMETRY_COLUMNS, simulate_history


def _run(seed: int = 3, **kw):
    return simulate_history([fake_spec()] * 12, days=60, sample_every_s=3600.0, seed=seed, max_substep_s=3600.0,
                            failures=FailureSettings(acceleration=20.0, precursor_strength=1.0), **kw)


def test_shape_columns_and_counters() -> None:
    h = _run()
    tel = h.telemetry
    assert list(tel.columns) == list(TELEMETRY_COLUMNS)
    assert len(tel) == 12 * 60 * 24
    assert str(tel["ts_utc"].dt.tz) == "UTC"
    for col in ("hw_errors", "accepted", "rejected"):
        assert (tel.groupby("miner_index")[col].diff().dropna() >= 0).all()  # cumulative, as firmware counts
    assert set(tel["mode"]) <= {"mining", "sleeping", "dead", "rebooting"}
    assert not h.failures.empty and {"onset_utc", "failure_utc"} <= set(h.failures.columns)


def test_deterministic_for_a_seed() -> None:
    a, b = _run(seed=4), _run(seed=4)
    pd.testing.assert_frame_equal(a.telemetry, b.telemetry)
    pd.testing.assert_frame_equal(a.failures, b.failures)


def test_precursors_are_visible_in_the_telemetry() -> None:
    h = _run(seed=5)
    tel, fail = h.telemetry, h.failures
    deaths = fail[(fail["component"] == "hashboard") & (fail["onset_ts_utc_s"] > 1_767_225_600.0 + 86400)]
    assert len(deaths) >= 1
    for _, d in deaths.iterrows():
        m = tel[tel["miner_index"] == d["miner_index"]].set_index("ts_utc")
        onset, end = d["onset_utc"], d["failure_utc"]
        errs = m["hw_errors"].diff()
        before = errs[(m.index < onset) & (m.index > onset - pd.Timedelta(days=10))].mean()
        during = errs[(m.index > onset + (end - onset) / 2) & (m.index < end)].mean()
        assert during > 5 * before  # CRC/hardware errors climb in the weeks before the board dies
        assert m.loc[m.index < end, "chips_alive"].iloc[-1] < 324  # chips dropped in steps before death


def test_dead_psu_shows_as_dead_and_zero_power() -> None:
    h = _run(seed=6)
    psu = h.failures[h.failures["component"] == "psu"]
    assert not psu.empty  # this seed's run has one (runs are deterministic)
    i = int(psu.iloc[0]["miner_index"])
    last = h.telemetry[h.telemetry["miner_index"] == i].iloc[-1]
    assert last["mode"] == "dead" and last["power_w"] == 0.0


def test_bad_span() -> None:
    with pytest.raises(InputError):
        simulate_history([fake_spec()], days=0.01, sample_every_s=3600.0)


def test_cli_writes_the_files(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "hashstack.telemetry.simulator", "history", "--miners", "3",
                          "--days", "2", "--out", str(tmp_path), "--failure-acceleration", "50", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["telemetry_rows"] == 3 * 48
    tel = pd.read_csv(tmp_path / "telemetry.csv.gz")
    assert len(tel) == 3 * 48 and np.isfinite(tel["hashrate_ths"]).all()
    assert (tmp_path / "failures.csv").exists() and (tmp_path / "degrading.csv").exists()
