"""The engine: seeds reproduce, chunking and executors never change results, summaries by hand."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.risk.test_waterfall import stressed_company

from hashstack.errors import InputError
from hashstack.risk.engine import StressConfig, run_stress, summarise
from hashstack.risk.history import shipped_market_calibration
from hashstack.risk.scenarios import market_params_from_calibration
from hashstack.risk.waterfall import CompanyPaths

MARKET = market_params_from_calibration(shipped_market_calibration())
A = stressed_company()
B = replace(stressed_company(), ticker="OTHER", cash_usd=5e8)


def assert_same(x: CompanyPaths, y: CompanyPaths) -> None:
    for name in ("default_month", "repossession_month", "shortfall_month", "liquidation_month", "dilution_frac",
                 "hashrate_debt_ratio", "repossessed_hashrate_frac"):
        np.testing.assert_array_equal(getattr(x, name), getattr(y, name), err_msg=name)


def test_seed_reproduces_and_differs() -> None:
    cfg = StressConfig(n_paths=700, n_months=24, seed=7, block_paths=256)
    r1 = run_stress([A, B], MARKET, cfg)
    r2 = run_stress([A, B], MARKET, cfg)
    for x, y in zip(r1.paths, r2.paths, strict=True):
        assert_same(x, y)
    r3 = run_stress([A, B], MARKET, replace(cfg, seed=8))
    assert not np.array_equal(r1.paths[0].dilution_frac, r3.paths[0].dilution_frac)


def test_chunked_equals_unchunked() -> None:
    base = StressConfig(n_paths=1000, n_months=24, seed=3, block_paths=128, chunk_blocks=1)
    one = run_stress([A, B], MARKET, replace(base, chunk_blocks=100))
    many = run_stress([A, B], MARKET, base)
    odd = run_stress([A, B], MARKET, replace(base, chunk_blocks=3))
    for x, y, z in zip(one.paths, many.paths, odd.paths, strict=True):
        assert x.default_month.shape == (1000,)
        assert_same(x, y)
        assert_same(x, z)


def test_executor_equals_local_and_progress_counts_paths() -> None:
    cfg = StressConfig(n_paths=600, n_months=12, seed=5, block_paths=100, chunk_blocks=2)
    seen: list[int] = []
    local = run_stress([A], MARKET, cfg, progress=seen.append)
    assert seen == [200, 400, 600]
    with ThreadPoolExecutor(2) as pool:
        remote = run_stress([A], MARKET, cfg, executor=pool)
    assert_same(local.paths[0], remote.paths[0])


def test_a_company_is_independent_of_the_others_in_the_run() -> None:
    cfg = StressConfig(n_paths=300, n_months=12, seed=1, block_paths=128)
    alone = run_stress([A], MARKET, cfg)
    together = run_stress([B, A], MARKET, cfg)
    assert_same(alone.paths[0], together.paths_of(A.ticker))


def test_summary_by_hand() -> None:
    p = CompanyPaths(
        ticker="X", snapshot_months=(12, 24),
        default_month=np.array([0, 5, 20, 0], dtype=np.int16),
        repossession_month=np.array([0, 0, 3, 0], dtype=np.int16),
        shortfall_month=np.array([0, 2, 10, 20], dtype=np.int16),
        liquidation_month=np.array([0, 0, 0, 7], dtype=np.int16),
        dilution_frac=np.array([[0, 0], [0.1, 0.1], [0.2, 0.4], [0, 0.5]], dtype=np.float32),
        hashrate_debt_ratio=np.array([[1, 1], [2, 2], [3, 4], [1, 3]], dtype=np.float32),
        repossessed_hashrate_frac=np.array([0, 0, 0.5, 0], dtype=np.float32))
    s = summarise(p, 24)
    assert s["p_default"] == 0.5 and s["p_repossession"] == 0.25
    assert s["p_default_by_month"] == {12: 0.25, 24: 0.5}
    assert s["dilution_mean_frac"] == pytest.approx(0.25)
    assert s["hashrate_debt_ratio_p50"] == pytest.approx(2.0)  # empirical (inverted-CDF) median of 1, 2, 3, 4
    assert s["p_outside_funding"] == 0.75
    assert s["p_btc_liquidation"] == 0.25
    assert s["dilution_mean_frac_by_month"] == {12: pytest.approx(0.075), 24: pytest.approx(0.25)}
    assert s["runway_months_p50"] == pytest.approx(15.0)  # median of 25 (never short: horizon + 1), 2, 10, 20
    assert s["repossessed_hashrate_mean_frac"] == pytest.approx(0.125)


def test_bad_runs_are_refused() -> None:
    with pytest.raises(InputError):
        StressConfig(n_paths=10, n_months=121)
    with pytest.raises(InputError, match="duplicate"):
        run_stress([A, A], MARKET, StressConfig(n_paths=10, n_months=12))


@settings(max_examples=8, deadline=None)
@given(st.integers(40, 400), st.integers(1, 6), st.integers(0, 2**31))
def test_any_chunking_gives_the_same_paths(block_paths: int, chunk_blocks: int, seed: int) -> None:
    base = StressConfig(n_paths=450, n_months=12, seed=seed, block_paths=block_paths, chunk_blocks=1000)
    whole = run_stress([A], MARKET, base)
    parts = run_stress([A], MARKET, replace(base, chunk_blocks=chunk_blocks))
    assert_same(whole.paths[0], parts.paths[0])
