"""Fixtures for the simulator tests: a tiny fake ASIC spec (no catalogue needed) and fleets."""

from __future__ import annotations

import numpy as np
import pytest

from hashstack.telemetry.simulator.specs import MinerSpec


def fake_spec(model: str = "Antminer S21", n_boards: int = 3, chips: int = 108, n_fans: int = 4,
              cooling: str = "air", tuning_frac: float = 1.0) -> MinerSpec:
    """A 200 TH/s, 3500 W machine whose power is quadratic in hash rate between 100 and 250 TH/s."""
    h = np.linspace(100.0, 250.0, 31)
    p = 3500.0 * (0.3 + 0.7 * (h / 200.0) ** 2)
    return MinerSpec(model=model, manufacturer="Bitmain", cooling=cooling, hashrate_nominal_ths=200.0,
                     power_nominal_w=3500.0, curve_hashrate_ths=tuple(h), curve_power_w=tuple(p),
                     n_boards=n_boards, chips_per_board=chips, n_fans=n_fans, nominal_frequency_mhz=500,
                     tuning_frac=tuning_frac)


@pytest.fixture
def spec() -> MinerSpec:
    return fake_spec()
