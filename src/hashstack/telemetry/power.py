"""Power of a miner, never silently missing: reported, estimated from the tuning curve, or metered.

Stock Antminer firmware reports no wattage.  Where a miner reports none, its power is estimated from
the model's tuning curve at the hash rate it reports, and marked ``estimated``; where a site meter or
PDU reading for the miner is configured, that reading overrides both and is marked ``meter``.

References
----------
.. [1] hashstack.catalog tuning curves: power as a convex function of hash rate per ASIC model.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from hashstack.errors import DataFileError, HashstackError
from hashstack.telemetry.records import PowerSource

PowerEstimator = Callable[[str, float], float | None]
"""``(model, hashrate_ths) -> power_w`` or None when the model is unknown."""


def resolve_power_w(reported_w: float | None, hashrate_ths: float | None, model: str | None,
                    estimator: PowerEstimator | None, meter_w: float | None
                    ) -> tuple[float | None, PowerSource | None]:
    """Pick the power figure of one sample and say where it came from.

    Parameters
    ----------
    reported_w : wattage the firmware reported [W], None if it reports none
    hashrate_ths : the hash rate the miner reports [TH/s]
    model : the miner's model (for the tuning curve)
    estimator : tuning-curve estimator, ``(model, hashrate_ths) -> power_w``
    meter_w : site meter / PDU reading for this miner [W], when configured

    Returns
    -------
    (power_w, power_source) : ``meter`` beats ``reported`` beats ``estimated``; (None, None) only when
        no reading exists and no estimate can be made (unknown model or no hash rate).
    """
    if meter_w is not None and math.isfinite(meter_w):
        return float(meter_w), "meter"
    if reported_w is not None and math.isfinite(reported_w) and reported_w > 0:
        return float(reported_w), "reported"
    if estimator is not None and model and hashrate_ths is not None and math.isfinite(hashrate_ths):
        if hashrate_ths <= 0:
            return None, None  # a miner hashing nothing draws idle power the curve does not describe
        estimate = estimator(model, hashrate_ths)
        if estimate is not None and math.isfinite(estimate):
            return float(estimate), "estimated"
    return None, None


def _catalog_name(model: str) -> str:
    """Firmware model strings carry vendor prefixes and suffixes the catalogue does not."""
    name = model.strip()
    for prefix in ("Bitmain ", "MicroBT "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def tuning_curve_estimator() -> PowerEstimator:
    """An estimator backed by :func:`hashstack.catalog.tuning_curve` (one curve per model, cached).

    The hash rate is clipped to the curve's domain: a miner reporting slightly above its top operating
    point is estimated at the top point, not extrapolated.
    """
    from hashstack import catalog

    cat = catalog.load_catalog()

    @lru_cache(maxsize=256)
    def curve_for(model: str) -> Any:
        try:
            return catalog.tuning_curve(cat.get(_catalog_name(model)))
        except HashstackError:
            return None

    def estimate(model: str, hashrate_ths: float) -> float | None:
        curve = curve_for(model)
        if curve is None:
            return None
        h = min(max(hashrate_ths, curve.hashrate_min_ths), curve.hashrate_max_ths)
        return float(curve.power_w(h))

    return estimate


def read_meter_csv(path: str | Path) -> dict[str, float]:
    """Read per-miner meter / PDU readings from a CSV with columns ``miner_id,power_w``.

    ``miner_id`` is ``host:port`` or a bare host (port 4028 assumed).  The file is typically rewritten
    by a PDU scraper; the collector re-reads it every poll.

    Raises
    ------
    DataFileError : missing columns or a non-numeric / negative ``power_w`` (naming row and field)
    """
    p = Path(path)
    try:
        with p.open(newline="") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            for col in ("miner_id", "power_w"):
                if col not in fields:
                    raise DataFileError(p, f"missing column '{col}' (have {fields})", field=col)
            out: dict[str, float] = {}
            for row_no, row in enumerate(reader, start=1):
                miner = (row["miner_id"] or "").strip()
                if not miner:
                    raise DataFileError(p, "empty miner_id", row=row_no, field="miner_id")
                try:
                    value = float(row["power_w"])
                except (TypeError, ValueError):
                    raise DataFileError(p, f"power_w {row['power_w']!r} is not a number", row=row_no,
                                        field="power_w") from None
                if not math.isfinite(value) or value < 0:
                    raise DataFileError(p, f"power_w {value} must be finite and >= 0", row=row_no,
                                        field="power_w")
                out[miner if ":" in miner else f"{miner}:4028"] = value
            return out
    except FileNotFoundError:
        raise DataFileError(p, "meter file not found") from None


def meter_lookup(readings: Mapping[str, float] | None) -> Callable[[str], float | None]:
    """``miner_id -> power_w`` from a mapping (None when the miner has no meter)."""
    data = dict(readings or {})
    return data.get
