"""Sites and fleets, described in a TOML file.

A site has a power capacity, a tariff (a fixed price or a price-series file), a pool fee, a location
and miners by model and count. Example (``examples/site.toml``)::

    [site]
    name = "West Texas 50"
    power_capacity_mw = 50.0
    pool_fee_frac = 0.02

    [site.location]
    latitude_deg = 31.9
    longitude_deg = -102.1
    timezone = "America/Chicago"
    market = "ERCOT"
    settlement_point = "HB_WEST"

    [site.tariff]
    fixed_usd_per_mwh = 45.0       # or: price_series_file = "prices.csv"

    [[miners]]
    model = "Antminer S21"
    count = 4000

Errors name the file, the line and the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hashstack.catalog import AsicModel, Catalog, TuningCurve, load_catalog, tuning_curve
from hashstack.errors import DataFileError, UnknownModelError
from hashstack.tomlfile import line_of, read_toml_model
from hashstack.units import W_PER_MW


@dataclass(frozen=True, slots=True)
class Location:
    """Where a site is."""

    latitude_deg: float | None = None
    longitude_deg: float | None = None
    timezone: str = "UTC"
    market: str | None = None
    settlement_point: str | None = None


@dataclass(frozen=True, slots=True)
class Tariff:
    """A fixed all-in price, or a series of interval prices read from a CSV file."""

    fixed_usd_per_mwh: float | None = None
    price_series_file: Path | None = None

    def read_prices(self) -> pd.Series:
        """The price series [USD/MWh] indexed by ``interval_start_utc`` (only for series tariffs)."""
        if self.price_series_file is None:
            raise DataFileError("<site>", "this tariff is a fixed price, not a series", field="tariff")
        return read_price_series(self.price_series_file)

    def mean_price_usd_per_mwh(self) -> float:
        """The fixed price, or the mean of the series [USD/MWh]."""
        if self.fixed_usd_per_mwh is not None:
            return self.fixed_usd_per_mwh
        return float(self.read_prices().mean())


@dataclass(frozen=True, slots=True)
class MinerGroup:
    """``count`` machines of one model, optionally tuned to a fraction of stock hash rate."""

    model: str
    count: int
    tuning_frac: float = 1.0
    asic: AsicModel | None = None

    @property
    def curve(self) -> TuningCurve:
        """This group's tuning curve."""
        if self.asic is None:
            raise UnknownModelError(self.model, [])
        return tuning_curve(self.asic)

    @property
    def hashrate_ths_each(self) -> float:
        """Tuned hash rate of one machine [TH/s]."""
        return self.curve.hashrate_nominal_ths * self.tuning_frac

    @property
    def power_w_each(self) -> float:
        """Wall power of one machine at its tuned point [W]."""
        return float(self.curve.power_w(self.hashrate_ths_each))


@dataclass(frozen=True, slots=True)
class Site:
    """A mining site: power capacity, tariff, pool fee, location and fleet."""

    name: str
    power_capacity_mw: float
    tariff: Tariff
    pool_fee_frac: float
    location: Location
    miners: tuple[MinerGroup, ...]
    source_path: Path | None = None

    @property
    def miner_count(self) -> int:
        """Machines on site."""
        return sum(g.count for g in self.miners)

    @property
    def hashrate_ths(self) -> float:
        """Site hash rate at the tuned points [TH/s]."""
        return sum(g.count * g.hashrate_ths_each for g in self.miners)

    @property
    def power_w(self) -> float:
        """Site power at the tuned points [W]."""
        return sum(g.count * g.power_w_each for g in self.miners)


# ---- TOML schema (pydantic at the edge) ------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _LocationIn(_Strict):
    latitude_deg: float | None = Field(default=None, ge=-90, le=90)
    longitude_deg: float | None = Field(default=None, ge=-180, le=180)
    timezone: str = "UTC"
    market: str | None = None
    settlement_point: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'America/Chicago')") from None
        return value


class _TariffIn(_Strict):
    fixed_usd_per_mwh: float | None = None
    price_series_file: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> _TariffIn:
        if (self.fixed_usd_per_mwh is None) == (self.price_series_file is None):
            raise ValueError("give exactly one of fixed_usd_per_mwh or price_series_file")
        return self


class _SiteIn(_Strict):
    name: str
    power_capacity_mw: float = Field(gt=0)
    pool_fee_frac: float = Field(default=0.0, ge=0, lt=1)
    location: _LocationIn = _LocationIn()
    tariff: _TariffIn


class _MinerIn(_Strict):
    model: str
    count: int = Field(gt=0)
    tuning_frac: float = Field(default=1.0, gt=0)


class _FileIn(_Strict):
    site: _SiteIn
    miners: list[_MinerIn] = Field(min_length=1)


def read_site(path: str | Path, catalog: Catalog | None = None) -> Site:
    """Read and check a site TOML file.

    Raises
    ------
    DataFileError : malformed TOML, a missing or invalid field, or an unknown ASIC model; the message
        names the file, the line and the field.
    """
    path = Path(path)
    text, parsed = read_toml_model(path, _FileIn, arrays=("miners",))
    catalog = catalog or load_catalog()
    groups = []
    for i, entry in enumerate(parsed.miners):
        if entry.model not in catalog:
            loc = ("miners", i, "model")
            raise DataFileError(path, str(UnknownModelError(entry.model, [x.model for x in catalog])),
                                row=line_of(text, loc, ("miners",)), field=f"miners.{i}.model")
        asic = catalog.get(entry.model)
        curve = tuning_curve(asic)
        if not curve.hashrate_min_frac <= entry.tuning_frac <= curve.hashrate_max_frac:
            loc = ("miners", i, "tuning_frac")
            raise DataFileError(path, f"tuning_frac must lie in the tuning range "
                                      f"{curve.hashrate_min_frac}-{curve.hashrate_max_frac}",
                                row=line_of(text, loc, ("miners",)), field=f"miners.{i}.tuning_frac")
        groups.append(MinerGroup(model=asic.model, count=entry.count, tuning_frac=entry.tuning_frac, asic=asic))
    t = parsed.site.tariff
    series = None
    if t.price_series_file is not None:
        series = Path(t.price_series_file)
        if not series.is_absolute():
            series = path.parent / series
    site = Site(
        name=parsed.site.name,
        power_capacity_mw=parsed.site.power_capacity_mw,
        tariff=Tariff(fixed_usd_per_mwh=t.fixed_usd_per_mwh, price_series_file=series),
        pool_fee_frac=parsed.site.pool_fee_frac,
        location=Location(**parsed.site.location.model_dump()),
        miners=tuple(groups),
        source_path=path,
    )
    if site.power_w > site.power_capacity_mw * W_PER_MW * (1 + 1e-9):
        raise DataFileError(path, f"fleet draws {site.power_w / W_PER_MW:.2f} MW at its tuned points, over the "
                                  f"site capacity of {site.power_capacity_mw} MW", field="site.power_capacity_mw",
                            row=line_of(text, ("site", "power_capacity_mw")))
    return site


def read_price_series(path: str | Path) -> pd.Series:
    """Read a price series CSV with columns ``interval_start_utc`` and ``price_usd_per_mwh``.

    Timestamps must carry a UTC offset (``2025-01-01T00:00Z`` or ``+00:00``; a naive time is ambiguous
    across daylight saving), be unique and increasing; prices must be finite numbers (negative prices
    are real and allowed). Errors name the file, the data row (1 = first line after the header) and
    the field.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"cannot read price series: {exc}") from None
    for col in ("interval_start_utc", "price_usd_per_mwh"):
        if col not in df.columns:
            raise DataFileError(path, "missing column", field=col)
    if df.empty:
        raise DataFileError(path, "no price rows")
    prices = pd.to_numeric(df["price_usd_per_mwh"], errors="coerce")
    bad = prices.isna() | ~np.isfinite(prices.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise DataFileError(path, f"not a finite number: {df['price_usd_per_mwh'].iloc[i]!r}", row=i + 1,
                            field="price_usd_per_mwh")
    text = df["interval_start_utc"].str.strip()
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    if parsed.isna().any():
        i = int(parsed.isna().to_numpy().argmax())
        raise DataFileError(path, f"not a timestamp: {text.iloc[i]!r}", row=i + 1, field="interval_start_utc")
    naive = ~text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if naive.any():
        i = int(naive.to_numpy().argmax())
        raise DataFileError(path, f"timestamp without a UTC offset: {text.iloc[i]!r} (write e.g. 2025-01-01T00:00Z)",
                            row=i + 1, field="interval_start_utc")
    index = pd.DatetimeIndex(parsed, name="interval_start_utc")
    step = np.diff(index.asi8)
    if np.any(step <= 0):
        i = int(np.argmax(step <= 0)) + 1
        raise DataFileError(path, "timestamps must be unique and increasing", row=i + 1, field="interval_start_utc")
    return pd.Series(prices.to_numpy(dtype=float), index=index, name="price_usd_per_mwh")
