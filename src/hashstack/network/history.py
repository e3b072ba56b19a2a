"""Daily network history files (the ``btc_daily_merged_*.csv`` format) and hashprice over them.

Required columns: ``date``, ``price_usd``, ``difficulty_mean``, ``blocks``, ``issuance_btc``,
``fees_btc``. Empty cells are missing values (early history has no price); a cell that is present but
not a number is an error naming the file, the row and the column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hashstack.economics import hashprice_btc_per_th_day
from hashstack.errors import DataFileError
from hashstack.units import TH_PER_PH

REQUIRED_COLUMNS = ("date", "price_usd", "difficulty_mean", "blocks", "issuance_btc", "fees_btc")
NUMERIC_COLUMNS = REQUIRED_COLUMNS[1:]


def read_network_history(path: str | Path) -> pd.DataFrame:
    """Read a daily network history CSV into a frame indexed by UTC ``date``.

    Columns returned: ``btc_price_usd``, ``difficulty``, ``blocks``, ``subsidy_btc`` (issued per day),
    ``fees_btc`` (per day), plus ``hashrate_ehs`` when the file has it.

    Raises
    ------
    DataFileError : unreadable file, a missing column, a non-numeric cell or a bad date; data rows are
        numbered from 1 (the header is line 1 of the file, so data row N is line N + 1).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"cannot read network history: {exc}") from None
    for col in REQUIRED_COLUMNS:
        if col not in raw.columns:
            raise DataFileError(path, "missing column", field=col)
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce", utc=True)
    if dates.isna().any():
        i = int(dates.isna().to_numpy().argmax())
        raise DataFileError(path, f"not a date (YYYY-MM-DD): {raw['date'].iloc[i]!r}", row=i + 1, field="date")
    optional = ["hashrate_ehs"] if "hashrate_ehs" in raw.columns else []
    for col in (*NUMERIC_COLUMNS, *optional):
        text = raw[col].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = values.isna() & (text != "")
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise DataFileError(path, f"not a number: {raw[col].iloc[i]!r}", row=i + 1, field=col)
        out[col] = values.astype(float)
    out.index = pd.DatetimeIndex(dates, name="date")
    if not out.index.is_monotonic_increasing or out.index.has_duplicates:
        raise DataFileError(path, "dates must be unique and increasing", field="date")
    return out.rename(columns={"price_usd": "btc_price_usd", "difficulty_mean": "difficulty",
                               "issuance_btc": "subsidy_btc"})


def hashprice_history(history: pd.DataFrame) -> pd.DataFrame:
    """Daily hashprice over a whole history in one vectorised call.

    Reward per block is the day's (subsidy + fees) / blocks, so halving days and fee spikes enter as
    they happened; hashprice = reward x 86,400 x 1e12 / (difficulty x 2^32) per TH/s, quoted per PH/s.

    Returns
    -------
    DataFrame (same index) : ``reward_per_block_btc``, ``fee_share_frac``, ``hashprice_btc_per_ph_day``,
    ``hashprice_usd_per_ph_day``; NaN where an input is missing (days with no price or no blocks).
    """
    blocks = history["blocks"].where(history["blocks"] > 0)
    total = history["subsidy_btc"] + history["fees_btc"]
    reward = total / blocks
    btc_per_th_day = hashprice_btc_per_th_day(history["difficulty"].where(history["difficulty"] > 0), reward)
    out = pd.DataFrame(index=history.index)
    out["reward_per_block_btc"] = reward
    out["fee_share_frac"] = history["fees_btc"] / total.where(total > 0)
    out["hashprice_btc_per_ph_day"] = btc_per_th_day * TH_PER_PH
    out["hashprice_usd_per_ph_day"] = out["hashprice_btc_per_ph_day"] * history["btc_price_usd"]
    return out.replace([np.inf, -np.inf], np.nan)
