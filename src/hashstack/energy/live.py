"""Live ISO prices through the optional ``gridstatus`` library (``pip install hashstack[gridstatus]``).

:func:`get_ercot_spp` asks a gridstatus ``Ercot`` client for settlement point prices and returns them in
hashstack's vocabulary (``interval_start_utc`` index, ``node``, ``price_usd_per_mwh``), the same shape
as :func:`hashstack.energy.ercot.read_ercot_rtm` so a live feed and a file are interchangeable. The
client is injectable: tests pass a stand-in that replays recorded responses, so no test touches the
network. Errors from the client or an unexpected payload become :class:`LiveDataError`.

gridstatus 0.37 ``Ercot.get_spp(date, end=None, market=..., locations=..., location_type=...)`` returns
the columns ``Time``, ``Interval Start``, ``Interval End`` (tz-aware, US/Central), ``Location``,
``Location Type``, ``Market`` and ``SPP`` [USD/MWh]; energy-weighted load-zone rows are suffixed ``_EW``.
Note: gridstatus 0.37 requires pandas 2.2, while hashstack runs on pandas 3; install the extra in an
environment whose pandas it accepts.

References
----------
gridstatus, https://github.com/gridstatus/gridstatus (``gridstatus.ercot.Ercot.get_spp``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from hashstack.energy.prices import find_gaps
from hashstack.errors import InputError, LiveDataError

MARKETS = {"real-time": ("REAL_TIME_15_MIN", "15min"), "day-ahead": ("DAY_AHEAD_HOURLY", "1h")}
GRIDSTATUS_COLUMNS = ("Interval Start", "Location", "SPP")


class SppClient(Protocol):
    """What we use of ``gridstatus.Ercot``."""

    def get_spp(self, date: Any, end: Any = None, market: Any = None, locations: Any = "ALL",
                location_type: Any = "ALL", verbose: bool = False) -> pd.DataFrame: ...


def gridstatus_ercot() -> SppClient:
    """A real ``gridstatus.Ercot`` client; :class:`LiveDataError` if the extra is not installed."""
    try:
        import gridstatus
    except ImportError as exc:
        raise LiveDataError("live ERCOT prices need the optional gridstatus package: "
                            "pip install 'hashstack[gridstatus]'") from exc
    client: SppClient = gridstatus.Ercot()
    return client


def normalize_gridstatus_spp(raw: pd.DataFrame, nodes: Sequence[str], freq: str) -> pd.DataFrame:
    """gridstatus SPP rows -> hashstack's long price frame.

    Parameters
    ----------
    raw : the DataFrame gridstatus returned
    nodes : settlement points to keep (``HB_WEST``, ``LZ_WEST``...)
    freq : the market's interval, ``"15min"`` or ``"1h"``

    Returns
    -------
    DataFrame indexed by ``interval_start_utc`` [UTC] with ``node`` and ``price_usd_per_mwh`` [USD/MWh],
    sorted by node then time; ``attrs["gaps"]`` maps each node to its gaps.
    """
    missing = [c for c in GRIDSTATUS_COLUMNS if c not in raw.columns]
    if missing:
        raise LiveDataError(f"gridstatus answer lacks column(s) {', '.join(missing)}; got {list(raw.columns)}")
    start = pd.to_datetime(raw["Interval Start"], errors="coerce", utc=True)
    if start.isna().any():
        raise LiveDataError("gridstatus answer has interval starts that are not times (or not tz-aware)")
    price = pd.to_numeric(raw["SPP"], errors="coerce")
    frame = pd.DataFrame({"interval_start_utc": start, "node": raw["Location"].astype(str),
                          "price_usd_per_mwh": price.to_numpy(dtype=float)})
    frame = frame[frame["node"].isin(list(nodes))]
    absent = sorted(set(nodes) - set(frame["node"]))
    if absent:
        raise LiveDataError(f"gridstatus answer has no rows for {', '.join(absent)}")
    dup = frame.duplicated(["node", "interval_start_utc"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise LiveDataError(f"gridstatus answer repeats {row['node']} at {row['interval_start_utc']}")
    frame = frame.sort_values(["node", "interval_start_utc"]).set_index("interval_start_utc")
    gaps = {}
    for node, part in frame.groupby("node"):
        gaps[str(node)] = find_gaps(pd.DatetimeIndex(part.index), part["price_usd_per_mwh"].to_numpy(), freq)
    frame.attrs.update({"currency": "USD", "interval": freq, "gaps": gaps, "source": "gridstatus"})
    return frame


def get_ercot_spp(date: str | pd.Timestamp, nodes: Sequence[str] = ("HB_WEST",), market: str = "day-ahead",
                  end: str | pd.Timestamp | None = None, client: SppClient | None = None) -> pd.DataFrame:
    """Fetch ERCOT settlement point prices for ``nodes`` through gridstatus.

    Parameters
    ----------
    date : delivery date (or start time) in US/Central
    nodes : hubs or load zones
    market : ``"day-ahead"`` (hourly) or ``"real-time"`` (15-min)
    end : optional end of a range
    client : a gridstatus ``Ercot``-like client (default: a new ``gridstatus.Ercot()``)

    Returns
    -------
    see :func:`normalize_gridstatus_spp`
    """
    if market not in MARKETS:
        raise InputError(f"market must be one of {', '.join(MARKETS)}, not '{market}'")
    if not nodes:
        raise InputError("give at least one node")
    gs_market, freq = MARKETS[market]
    client = client if client is not None else gridstatus_ercot()
    start = pd.Timestamp(date)
    if start.tzinfo is None:
        start = start.tz_localize("US/Central")
    stop = None
    if end is not None:
        stop = pd.Timestamp(end)
        if stop.tzinfo is None:
            stop = stop.tz_localize("US/Central")
    try:
        raw = client.get_spp(date=start, end=stop, market=gs_market, locations=list(nodes), location_type="ALL")
    except Exception as exc:  # any transport or parsing failure of the third-party client
        raise LiveDataError(f"gridstatus get_spp({market}, {start:%Y-%m-%d}) failed: {exc}") from exc
    if not isinstance(raw, pd.DataFrame) or raw.empty:
        raise LiveDataError(f"gridstatus returned no ERCOT {market} prices for {start:%Y-%m-%d}")
    out = normalize_gridstatus_spp(raw, nodes, freq)
    if not np.isfinite(out["price_usd_per_mwh"]).any():
        raise LiveDataError("gridstatus answer has no numeric prices")
    return out
