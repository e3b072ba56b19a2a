"""pyasic, the reference Python client, identifies, reads and controls the simulated miners."""

from __future__ import annotations

import asyncio
import warnings

import pyasic
import pytest

from hashstack.telemetry.simulator.process import start_fleet_thread
from hashstack.telemetry.simulator.server import FleetConfig
from hashstack.telemetry.simulator.specs import spec_from_catalog


@pytest.fixture(scope="module")
def fleet():
    specs = [spec_from_catalog("Antminer S21"), spec_from_catalog("Antminer S19j Pro"),
             spec_from_catalog("Antminer S21")]
    cfg = FleetConfig(specs=specs, first_address="127.204.0.1", seed=2, speed=30.0, tick_s=0.2,
                      start_ts_utc_s=1_767_225_600.0)
    with start_fleet_thread(cfg) as f:
        yield f


def test_pyasic_identifies_reads_and_controls(fleet) -> None:
    async def run() -> None:
        s21 = await pyasic.get_miner("127.204.0.1")
        s19 = await pyasic.get_miner("127.204.0.2")
        assert type(s21).__name__ == "LUXMinerS21"
        assert type(s19).__name__ == "LUXMinerS19jPro"
        await asyncio.sleep(0.5)  # a couple of ticks: temperatures leave the inlet value
        d = await s21.get_data()
        assert (d.make, d.model, str(d.firmware)) == ("AntMiner", "S21", "LuxOS")
        assert float(d.hashrate) == pytest.approx(200.0, rel=0.05)
        assert float(d.expected_hashrate) == pytest.approx(200.0)
        assert len(d.hashboards) == 3
        for hb in d.hashboards:
            assert hb.chips == 108 and not hb.missing
            assert hb.temp is not None and hb.chip_temp is not None and hb.chip_temp > 0
            assert float(hb.hashrate) == pytest.approx(200.0 / 3, rel=0.05)
        assert len(d.fans) == 4 and all(f.speed and f.speed > 1000 for f in d.fans)
        assert d.wattage == pytest.approx(3500, rel=0.08)  # unit spread 2% s.d., fan speed
        assert d.wattage_limit == 3500
        assert d.fw_ver == "2024.10.3.150831-hsim"
        assert d.pools and d.pools[0].alive
        # power limit: pyasic picks the highest LuxOS profile at or below the limit and sets it
        assert await s21.set_power_limit(3000) is True
        d2 = await s21.get_data()
        assert 2500 < d2.wattage_limit <= 3000
        await asyncio.sleep(0.5)
        d3 = await s21.get_data()
        assert float(d3.hashrate) < 190.0
        # curtail and wake
        assert await s21.stop_mining() is True
        await asyncio.sleep(0.5)
        assert float((await s21.get_data()).hashrate or 0) == 0.0
        assert await s21.resume_mining() is True
        d19 = await s19.get_data()
        assert len(d19.hashboards) == 3 and d19.hashboards[0].chips == 126

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asyncio.run(run())
