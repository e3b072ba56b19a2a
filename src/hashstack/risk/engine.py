"""The Monte Carlo stress engine: market scenarios x company waterfalls, chunked over paths.

Reproducibility: paths are cut into fixed **blocks** of ``block_paths`` paths.  Block ``b`` draws its
market from ``SeedSequence(seed, spawn_key=(b, 0))`` and company ``c`` from
``SeedSequence(seed, spawn_key=(b, 1, crc32(ticker)))``.  A run's numbers therefore depend only on
(seed, block_paths, inputs): not on how blocks are grouped into chunks, nor on whether chunks run here
or on Dask workers, nor on which other companies are in the run.  The same ticker under two capital
structures sees identical market and share-price paths.

Parallelism: pass any ``executor`` with ``submit(fn, *args) -> future`` whose futures have
``.result()`` (a ``dask.distributed.Client``, or a ``concurrent.futures`` pool); without one the
chunks run in this process.  Opening a Dask client is an edge concern (:mod:`hashstack.risk.cluster`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hashstack.errors import InputError
from hashstack.risk.company import CompanyRiskInput, asic_lien_stack
from hashstack.risk.scenarios import MarketParams, asic_price_for_efficiency_usd_per_th, simulate_market
from hashstack.risk.waterfall import CompanyPaths, FundingPolicy, simulate_company

DEFAULT_BLOCK_PATHS = 16_384
"""Paths per random block (the unit of reproducibility and of memory) [paths]."""


class _Future(Protocol):
    def result(self) -> Any: ...


class Executor(Protocol):
    """What the engine needs from a Dask client or a concurrent.futures executor."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class StressConfig:
    """Size and randomness of a run.

    Attributes
    ----------
    n_paths : number of market paths
    n_months : horizon [months], 1..120
    seed : root seed
    block_paths : paths per random block (changing it changes the draws)
    chunk_blocks : blocks per task (memory and scheduling only; never changes results)
    policy : funding policy shared by all companies
    """

    n_paths: int
    n_months: int
    seed: int = 0
    block_paths: int = DEFAULT_BLOCK_PATHS
    chunk_blocks: int = 2
    policy: FundingPolicy = field(default_factory=FundingPolicy)

    def __post_init__(self) -> None:
        if self.n_paths < 1:
            raise InputError(f"n_paths must be >= 1, got {self.n_paths}")
        if not 1 <= self.n_months <= 120:
            raise InputError(f"n_months must be within 1..120 (1-10 years), got {self.n_months}")
        if self.block_paths < 1 or self.chunk_blocks < 1:
            raise InputError("block_paths and chunk_blocks must be >= 1")

    @property
    def n_blocks(self) -> int:
        return -(-self.n_paths // self.block_paths)

    def block_range(self, block: int) -> tuple[int, int]:
        """First and one-past-last path of ``block``."""
        start = block * self.block_paths
        return start, min(start + self.block_paths, self.n_paths)

    def chunks(self) -> list[list[int]]:
        """Blocks grouped into tasks of ``chunk_blocks``."""
        blocks = list(range(self.n_blocks))
        return [blocks[i:i + self.chunk_blocks] for i in range(0, len(blocks), self.chunk_blocks)]


def company_key(ticker: str) -> int:
    """Stable integer key of a ticker for its random stream (CRC-32 of the upper-case ticker)."""
    return zlib.crc32(ticker.upper().encode())


def market_rng(seed: int, block: int) -> np.random.Generator:
    """Generator of block ``block``'s market draws."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, 0))))


def company_rng(seed: int, block: int, ticker: str) -> np.random.Generator:
    """Generator of block ``block``'s draws for company ``ticker``."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=(block, 1, company_key(ticker)))))


def _concat(parts: Sequence[CompanyPaths]) -> CompanyPaths:
    first = parts[0]
    if len(parts) == 1:
        return first
    return CompanyPaths(
        ticker=first.ticker, snapshot_months=first.snapshot_months,
        default_month=np.concatenate([p.default_month for p in parts]),
        repossession_month=np.concatenate([p.repossession_month for p in parts]),
        shortfall_month=np.concatenate([p.shortfall_month for p in parts]),
        liquidation_month=np.concatenate([p.liquidation_month for p in parts]),
        dilution_frac=np.concatenate([p.dilution_frac for p in parts]),
        hashrate_debt_ratio=np.concatenate([p.hashrate_debt_ratio for p in parts]),
        repossessed_hashrate_frac=np.concatenate([p.repossessed_hashrate_frac for p in parts]),
    )


def run_chunk(market: MarketParams, companies: Sequence[CompanyRiskInput], config: StressConfig,
              blocks: Sequence[int]) -> list[CompanyPaths]:
    """Simulate ``blocks`` for every company; one :class:`CompanyPaths` per company, blocks concatenated.

    This is the unit of work sent to Dask workers (it takes and returns only picklable records).
    """
    per_company: list[list[CompanyPaths]] = [[] for _ in companies]
    for b in blocks:
        start, stop = config.block_range(b)
        scen = simulate_market(market, stop - start, config.n_months, market_rng(config.seed, b))
        for i, comp in enumerate(companies):
            per_company[i].append(simulate_company(comp, scen, company_rng(config.seed, b, comp.ticker),
                                                   config.policy))
    return [_concat(parts) for parts in per_company]


@dataclass(frozen=True, slots=True)
class StressResult:
    """Per-path outcomes of a run, one :class:`CompanyPaths` per company (input order)."""

    config: StressConfig
    companies: tuple[CompanyRiskInput, ...]
    paths: tuple[CompanyPaths, ...]

    def paths_of(self, ticker: str) -> CompanyPaths:
        for p in self.paths:
            if p.ticker == ticker:
                return p
        raise InputError(f"{ticker} is not in this run ({', '.join(p.ticker for p in self.paths)})")

    def summaries(self) -> list[dict[str, Any]]:
        """:func:`summarise` of every company."""
        return [summarise(p, self.config.n_months) for p in self.paths]


def run_stress(companies: Sequence[CompanyRiskInput], market: MarketParams, config: StressConfig,
               executor: Executor | None = None,
               progress: Callable[[int], None] | None = None) -> StressResult:
    """Run every company on the same ``config.n_paths`` market paths.

    Parameters
    ----------
    companies : companies to stress (tickers must be unique)
    market : scenario parameters
    config : size, seed, chunking and funding policy
    executor : optional Dask client / concurrent.futures executor; chunks run locally without one
    progress : called with the number of paths finished after each chunk

    Returns
    -------
    StressResult with arrays of ``n_paths`` rows per company.
    """
    if not companies:
        raise InputError("no companies to stress")
    tickers = [c.ticker for c in companies]
    if len(set(tickers)) != len(tickers):
        raise InputError(f"duplicate tickers in {tickers}")
    chunks = config.chunks()
    comps = tuple(companies)

    def paths_in(blocks: Sequence[int]) -> int:
        return sum(config.block_range(b)[1] - config.block_range(b)[0] for b in blocks)

    results: list[list[CompanyPaths]] = []
    done = 0
    if executor is None:
        for blocks in chunks:
            results.append(run_chunk(market, comps, config, blocks))
            done += paths_in(blocks)
            if progress:
                progress(done)
    else:
        futures: list[_Future] = [executor.submit(run_chunk, market, comps, config, blocks, pure=False)
                                  if _is_dask(executor) else executor.submit(run_chunk, market, comps, config,
                                                                             blocks)
                                  for blocks in chunks]
        for blocks, fut in zip(chunks, futures, strict=True):
            results.append(fut.result())
            done += paths_in(blocks)
            if progress:
                progress(done)
    paths = tuple(_concat([r[i] for r in results]) for i in range(len(comps)))
    return StressResult(config=config, companies=comps, paths=paths)


def _is_dask(executor: object) -> bool:
    return type(executor).__module__.startswith("distributed")


def _quantile(x: npt.NDArray[np.floating], q: float) -> float:
    """Empirical quantile without interpolation (ratios can be +inf when no hash power is left)."""
    return float(np.quantile(x, q, method="inverted_cdf")) if x.size else float("nan")


def summarise(p: CompanyPaths, n_months: int) -> dict[str, Any]:
    """Probabilities and distributions of one company's outcomes.

    Returns
    -------
    dict with ``p_default`` and ``p_repossession`` (by the horizon), ``p_default_by_month`` (at each
    snapshot month), ``dilution_mean_frac`` and ``dilution_p95_frac`` (horizon) and
    ``dilution_mean_frac_by_month``, ``p_btc_liquidation`` (a lender sold pledged BTC), the hashrate-debt ratio
    quantiles ``hashrate_debt_ratio_p10/p50/p90`` (horizon; frozen at default on defaulted paths),
    ``hashrate_debt_ratio_p50_by_month``, ``p_outside_funding`` (needed BTC sales, refinancing or new
    shares), ``runway_months_p50`` (median month of the first such need; paths never short count as
    beyond the horizon, reported as ``n_months + 1``) and ``repossessed_hashrate_mean_frac``.
    """
    dm, rm, sm = p.default_month, p.repossession_month, p.shortfall_month
    never = n_months + 1
    runway = np.where(sm > 0, sm, never)
    hdr_final = p.hashrate_debt_ratio[:, -1]
    p_def_by = {int(m): float(np.mean((dm > 0) & (dm <= m))) for m in p.snapshot_months}
    return {
        "ticker": p.ticker,
        "n_paths": int(dm.size),
        "n_months": n_months,
        "p_default": float(np.mean(dm > 0)),
        "p_repossession": float(np.mean(rm > 0)),
        "p_default_by_month": p_def_by,
        "dilution_mean_frac": float(np.mean(p.dilution_frac[:, -1], dtype=np.float64)),
        "dilution_mean_frac_by_month": {int(m): float(np.mean(p.dilution_frac[:, k], dtype=np.float64))
                                        for k, m in enumerate(p.snapshot_months)},
        "dilution_p95_frac": _quantile(p.dilution_frac[:, -1], 0.95),
        "hashrate_debt_ratio_p10": _quantile(hdr_final, 0.10),
        "hashrate_debt_ratio_p50": _quantile(hdr_final, 0.50),
        "hashrate_debt_ratio_p90": _quantile(hdr_final, 0.90),
        "hashrate_debt_ratio_p50_by_month": {int(m): _quantile(p.hashrate_debt_ratio[:, k], 0.5)
                                              for k, m in enumerate(p.snapshot_months)},
        "p_outside_funding": float(np.mean(sm > 0)),
        "p_btc_liquidation": float(np.mean(p.liquidation_month > 0)),
        "runway_months_p50": float(np.median(runway)),
        "repossessed_hashrate_mean_frac": float(np.mean(p.repossessed_hashrate_frac, dtype=np.float64)),
    }


STRUCTURES = ("as-is", "asic-lien")
"""Capital structures :func:`run_structures` can apply: the company as financed, or 2021-style liens."""


def restructure(company: CompanyRiskInput, structure: str, market: MarketParams,
                policy: FundingPolicy | None = None) -> CompanyRiskInput:
    """``company`` under ``structure``: unchanged for "as-is"; for "asic-lien" its convertibles and other
    debt become ASIC-backed loans (:func:`hashstack.risk.company.asic_lien_stack`), with the rigs priced at
    the month-0 ASIC price for the company's efficiency tier."""
    if structure == "as-is":
        return company
    if structure != "asic-lien":
        raise InputError(f"unknown structure {structure!r}; expected one of {', '.join(STRUCTURES)}")
    pol = policy or FundingPolicy()
    rig_price = asic_price_for_efficiency_usd_per_th(market.asic_price0_usd_per_th,
                                                     market.asic_reference_efficiency_j_per_th,
                                                     company.collateral_efficiency_j_per_th, pol.asic_tier_exponent)
    return asic_lien_stack(company, rig_price)


def run_structures(companies: Sequence[CompanyRiskInput], market: MarketParams, config: StressConfig,
                   structures: Sequence[str] = STRUCTURES, executor: Executor | None = None,
                   progress: Callable[[int], None] | None = None) -> dict[str, StressResult]:
    """Run the same companies under each structure on identical scenarios (same seed, same tickers, hence
    the same market and share-price paths).  ``progress`` receives paths done summed over structures."""
    out: dict[str, StressResult] = {}
    offset = 0
    for s in structures:
        comps = [restructure(c, s, market, config.policy) for c in companies]

        def step(done: int, offset: int = offset) -> None:
            if progress:
                progress(offset + done)

        out[s] = run_stress(comps, market, config, executor=executor, progress=step)
        offset += config.n_paths
    return out
