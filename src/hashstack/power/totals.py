"""Fleet totals shared by every per-miner power result (allocations and the common practices)."""

from __future__ import annotations

from hashstack.power.caps import FloatArray


class FleetTotals:
    """Mixin for a record with per-miner ``hashrate_ths`` [TH/s] and ``power_w`` [W] arrays (0 when off).

    Slot-free, so frozen ``slots=True`` dataclasses can inherit it.
    """

    __slots__ = ()
    hashrate_ths: FloatArray
    power_w: FloatArray

    @property
    def total_hashrate_ths(self) -> float:
        """Fleet hash rate [TH/s]."""
        return float(self.hashrate_ths.sum())

    @property
    def total_power_w(self) -> float:
        """Fleet power [W]."""
        return float(self.power_w.sum())

    @property
    def efficiency_j_per_th(self) -> float:
        """Fleet efficiency: power over hash rate [J/TH] (NaN when everything is off)."""
        h = self.total_hashrate_ths
        return self.total_power_w / h if h > 0 else float("nan")
