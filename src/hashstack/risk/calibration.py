"""Calibration of the market scenario model from daily Bitcoin history (pure functions, no I/O).

The history itself is read by :mod:`hashstack.risk.history` (the edge); this module turns arrays of
daily prices, difficulty and fees into a :class:`MarketCalibration`: monthly BTC log-return statistics,
a Merton jump split of those returns, the pool of 30-day log returns for a block bootstrap, the
network's monthly hash-rate growth and its noise, and the level and volatility of fees per block.

References
----------
Merton, R. C. (1976). Option pricing when underlying stock returns are discontinuous.
    Journal of Financial Economics 3, 125-144.
Kuensch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
    Annals of Statistics 17(3), 1217-1241 (moving-block bootstrap).
Rousseeuw, P. J., Croux, C. (1993). Alternatives to the median absolute deviation. JASA 88, 1273-1283
    (the 1.4826 MAD consistency factor).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError

DAYS_PER_MONTH = 30.4375
"""Mean Gregorian month [days]; the engine's monthly step."""

BOOTSTRAP_BLOCK_DAYS = 30
"""Length of one bootstrap "month" drawn from the daily history [days]."""

MAD_TO_SD = 1.4826
"""Consistency factor turning a median absolute deviation into a normal standard deviation."""

JUMP_THRESHOLD_SD = 2.5
"""Monthly returns further than this many robust s.d. from the median are counted as jumps."""


@dataclass(frozen=True, slots=True)
class MarketCalibration:
    """Statistics of the market history that drive :func:`hashstack.risk.scenarios.simulate_market`.

    Attributes
    ----------
    source : where the numbers came from (file name, or "shipped parameters ..." for the fallback)
    start_date, end_date : ISO dates of the history window used
    btc_log_return_mean_per_month : mean monthly log return of BTC/USD [1/month]
    btc_log_return_sd_per_month : standard deviation of monthly log returns [1/month]
    btc_diffusion_sd_per_month : robust (MAD) s.d. of the non-jump part [1/month]
    btc_jump_intensity_per_month : jumps per month (Poisson rate) [1/month]
    btc_jump_mean_log, btc_jump_sd_log : mean and s.d. of the log jump size [-]
    btc_price_last_usd : last close in the window [USD]
    network_hashrate_last_ths : mean network hash rate over the last 30 days of the window [TH/s]
    network_growth_log_per_month : mean monthly log growth of difficulty over the window [1/month]
    network_growth_sd_per_month : s.d. of monthly log growth of difficulty [1/month]
    fees_btc_per_block_mean : mean fees per block over the last 365 days [BTC]
    fees_log_sd_per_month : s.d. of monthly changes of log fees per block [1/month]
    bootstrap_log_returns_30d : overlapping 30-day log returns (the bootstrap pool), ``None`` when
        only derived parameters are available (the shipped fallback) [-]
    """

    source: str
    start_date: str
    end_date: str
    btc_log_return_mean_per_month: float
    btc_log_return_sd_per_month: float
    btc_diffusion_sd_per_month: float
    btc_jump_intensity_per_month: float
    btc_jump_mean_log: float
    btc_jump_sd_log: float
    btc_price_last_usd: float
    network_hashrate_last_ths: float
    network_growth_log_per_month: float
    network_growth_sd_per_month: float
    fees_btc_per_block_mean: float
    fees_log_sd_per_month: float
    bootstrap_log_returns_30d: npt.NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def has_bootstrap_pool(self) -> bool:
        """Whether a block bootstrap of historical returns is possible."""
        return self.bootstrap_log_returns_30d is not None

    def parameters(self) -> dict[str, Any]:
        """The derived statistics (no history), as shipped in ``risk/data/market_calibration.json``."""
        return {
            "source": self.source, "start_date": self.start_date, "end_date": self.end_date,
            "btc_log_return_mean_per_month": self.btc_log_return_mean_per_month,
            "btc_log_return_sd_per_month": self.btc_log_return_sd_per_month,
            "btc_diffusion_sd_per_month": self.btc_diffusion_sd_per_month,
            "btc_jump_intensity_per_month": self.btc_jump_intensity_per_month,
            "btc_jump_mean_log": self.btc_jump_mean_log,
            "btc_jump_sd_log": self.btc_jump_sd_log,
            "btc_price_last_usd": self.btc_price_last_usd,
            "network_hashrate_last_ths": self.network_hashrate_last_ths,
            "network_growth_log_per_month": self.network_growth_log_per_month,
            "network_growth_sd_per_month": self.network_growth_sd_per_month,
            "fees_btc_per_block_mean": self.fees_btc_per_block_mean,
            "fees_log_sd_per_month": self.fees_log_sd_per_month,
        }

    @classmethod
    def from_parameters(cls, params: dict[str, Any]) -> MarketCalibration:
        """Rebuild a calibration (without a bootstrap pool) from :meth:`parameters` output."""
        names = [f for f in cls.__dataclass_fields__ if f != "bootstrap_log_returns_30d"]
        missing = [n for n in names if n not in params]
        if missing:
            raise InputError(f"calibration parameters lack {', '.join(missing)}")
        values: dict[str, Any] = {n: params[n] if n in ("source", "start_date", "end_date") else float(params[n])
                                  for n in names}
        return cls(**values)

    def without_bootstrap_pool(self) -> MarketCalibration:
        return replace(self, bootstrap_log_returns_30d=None)


def monthly_log_returns(price_usd: npt.ArrayLike, days_per_step: int = BOOTSTRAP_BLOCK_DAYS
                        ) -> npt.NDArray[np.float64]:
    """Non-overlapping ``days_per_step``-day log returns of a daily close series.

    Parameters
    ----------
    price_usd : daily closes, oldest first [USD]
    days_per_step : days per "month" [days]

    Returns
    -------
    Log returns, one per complete block, oldest first [-].
    """
    p = np.asarray(price_usd, dtype=np.float64)
    n = (len(p) - 1) // days_per_step
    idx = np.arange(n + 1) * days_per_step
    return np.diff(np.log(p[idx]))


def overlapping_log_returns(price_usd: npt.ArrayLike, days: int = BOOTSTRAP_BLOCK_DAYS
                            ) -> npt.NDArray[np.float64]:
    """All overlapping ``days``-day log returns ``log p[i+days] - log p[i]`` [-] (the bootstrap pool)."""
    lp = np.log(np.asarray(price_usd, dtype=np.float64))
    return lp[days:] - lp[:-days]


def split_jumps(log_returns: npt.ArrayLike, threshold_sd: float = JUMP_THRESHOLD_SD
                ) -> tuple[float, float, float, float]:
    """Split monthly log returns into a diffusion and Poisson jumps (threshold method).

    Returns outside ``median +/- threshold_sd * 1.4826 * MAD`` are jumps; the diffusion s.d. is the
    robust s.d. of the rest.  This is a simple, transparent estimator, not maximum likelihood.

    Parameters
    ----------
    log_returns : monthly log returns [-]
    threshold_sd : jump threshold in robust standard deviations [-]

    Returns
    -------
    (diffusion_sd, jump_intensity_per_month, jump_mean_log, jump_sd_log)

    References
    ----------
    Merton (1976); Rousseeuw and Croux (1993).
    """
    r = np.asarray(log_returns, dtype=np.float64)
    if r.size < 12:
        raise InputError(f"need at least 12 monthly returns to calibrate, got {r.size}")
    med = float(np.median(r))
    robust_sd = MAD_TO_SD * float(np.median(np.abs(r - med)))
    is_jump = np.abs(r - med) > threshold_sd * robust_sd
    body = r[~is_jump]
    diffusion_sd = float(np.std(body, ddof=1))
    jumps = r[is_jump] - float(np.mean(body))
    intensity = float(is_jump.mean())
    jump_mean = float(jumps.mean()) if jumps.size else 0.0
    jump_sd = float(jumps.std(ddof=1)) if jumps.size > 1 else 0.0
    return diffusion_sd, intensity, jump_mean, jump_sd


def calibrate_market(dates: npt.ArrayLike, price_usd: npt.ArrayLike, difficulty: npt.ArrayLike,
                     network_hashrate_ths: npt.ArrayLike, fees_btc: npt.ArrayLike, blocks: npt.ArrayLike,
                     source: str) -> MarketCalibration:
    """Calibrate the scenario model from aligned daily arrays (oldest first, no gaps in price).

    Parameters
    ----------
    dates : ISO dates or datetime64 of each day
    price_usd : daily BTC/USD close [USD]
    difficulty : daily mean difficulty [-]
    network_hashrate_ths : daily network hash rate [TH/s]
    fees_btc : fees paid per day [BTC]; NaN where missing (those days are skipped)
    blocks : blocks mined per day [blocks]
    source : description of the data source, kept in the result

    Returns
    -------
    MarketCalibration with the bootstrap pool attached.
    """
    d = np.asarray(dates).astype("datetime64[D]")
    p = np.asarray(price_usd, dtype=np.float64)
    if d.size < 400 or np.isnan(p).any() or (p <= 0).any():
        raise InputError("calibration needs >= 400 consecutive days of positive prices")
    monthly = monthly_log_returns(p)
    diffusion_sd, intensity, jump_mean, jump_sd = split_jumps(monthly)
    diff_month = monthly_log_returns(np.asarray(difficulty, dtype=np.float64))
    fees = np.asarray(fees_btc, dtype=np.float64)
    blk = np.asarray(blocks, dtype=np.float64)
    last_year = slice(max(0, d.size - 365), d.size)
    ok = ~np.isnan(fees[last_year]) & (blk[last_year] > 0)
    fee_per_block = fees[last_year][ok].sum() / blk[last_year][ok].sum()
    # monthly fee level: sums over 30-day blocks, skipping missing days
    n_blocks = d.size // BOOTSTRAP_BLOCK_DAYS
    fsum = np.add.reduceat(np.nan_to_num(fees), np.arange(n_blocks) * BOOTSTRAP_BLOCK_DAYS)[:n_blocks]
    bsum = np.add.reduceat(np.where(np.isnan(fees), 0.0, blk), np.arange(n_blocks) * BOOTSTRAP_BLOCK_DAYS)[:n_blocks]
    fee_level = np.log(fsum[bsum > 0] / bsum[bsum > 0])
    return MarketCalibration(
        source=source,
        start_date=str(d[0]), end_date=str(d[-1]),
        btc_log_return_mean_per_month=float(monthly.mean()),
        btc_log_return_sd_per_month=float(monthly.std(ddof=1)),
        btc_diffusion_sd_per_month=diffusion_sd,
        btc_jump_intensity_per_month=intensity,
        btc_jump_mean_log=jump_mean,
        btc_jump_sd_log=jump_sd,
        btc_price_last_usd=float(p[-1]),
        network_hashrate_last_ths=float(np.mean(np.asarray(network_hashrate_ths, dtype=np.float64)[-30:])),
        network_growth_log_per_month=float(diff_month.mean()),
        network_growth_sd_per_month=float(diff_month.std(ddof=1)),
        fees_btc_per_block_mean=float(fee_per_block),
        fees_log_sd_per_month=float(np.diff(fee_level).std(ddof=1)),
        bootstrap_log_returns_30d=overlapping_log_returns(p),
    )
