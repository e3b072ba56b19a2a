"""Read companies, metrics and instruments from CSV/TOML files (the capital package's I/O edge).

The package ships the public miners' dataset (``hashstack/capital/data/*.csv``) and reads it with the
same functions a user calls on their own files, so the shipped data passes the same validation.

File schema (CSV columns or TOML keys; see ``docs/capital.md`` for the full dictionary):

* instruments: one row per instrument, columns as the fields of :class:`~hashstack.capital.records.Instrument`;
  lists are ``;``-separated (``use_of_proceeds = "ai_hpc;general"``, ``holder_put_dates``), dated
  balances are ``date:usd`` pairs separated by ``;``.
* metrics: ``ticker, metric, value, as_of`` (+ optional ``as_of_text, basis, period, confidence,
  source_url, notes, review_note``); ``metric`` is one of :data:`~hashstack.capital.records.METRIC_UNITS`.
* companies: ``ticker, name`` (+ ``exchange, business_note, source_url``).

A TOML company file holds ``[company]``, ``[[metric]]`` and ``[[instrument]]`` tables in the same schema.
Every problem raises :class:`~hashstack.errors.DataFileError` naming the file, the row and the field.
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
import tomllib
import typing
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator

from hashstack.capital.asic_prices import PRICE_KINDS, AsicPrice
from hashstack.capital.issuance import ReportedFigure
from hashstack.capital.records import (
    METRIC_UNITS,
    Company,
    CompanyMetric,
    Instrument,
)
from hashstack.errors import DataFileError, MissingDataError


def _default_if_blank(model: type[BaseModel], v: Any, info: ValidationInfo) -> Any:
    """A blank cell means "not stated": the field's default (``None``, ``""``, ``()``, the enum default)."""
    if v is None or (isinstance(v, str) and v.strip() == ""):
        name = info.field_name
        if name is None:
            return None
        f = model.model_fields[name]
        return None if f.is_required() else f.get_default()
    return v


def _one_of(v: str, known: Collection[str], what: str) -> str:
    """``v`` when it is one of ``known``; ValueError naming the known values otherwise."""
    if v not in known:
        raise ValueError(f"unknown {what} {v!r}; known: {', '.join(known)}")
    return v


def _split(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return [str(x).strip() for x in v if str(x).strip()]
    return [x.strip() for x in str(v).split(";") if x.strip()]


class _RowIn(BaseModel):
    """Base of the edge schemas derived from the record dataclasses (see :func:`_derive_row_model`).

    Blank cells take the field's default; ``to_record`` builds the record from the validated fields.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    record: ClassVar[type]

    @field_validator("*", mode="before")
    @classmethod
    def _blanks(cls, v: Any, info: ValidationInfo) -> Any:
        return _default_if_blank(cls, v, info)

    def to_record(self) -> Any:
        return self.record(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self.record)})


def _derive_row_model(name: str, record: type, base: type[_RowIn],
                      extra: dict[str, tuple[Any, Any]] | None = None) -> type[_RowIn]:
    """The pydantic edge schema of a frozen record dataclass: one field per dataclass field, same type
    and default; a field without a default whose type admits ``None`` defaults to ``None`` (a blank or
    absent cell means "not stated"). ``base`` adds the validators, which name their fields; ``extra``
    adds columns a file may carry that the record does not keep (``name: (type, default)``), last."""
    hints = typing.get_type_hints(record)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        tp = hints[f.name]
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = Field(default_factory=f.default_factory)
        elif type(None) in typing.get_args(tp):
            default = None
        else:
            default = ...
        fields[f.name] = (tp, default)
    fields.update(extra or {})
    model: type[_RowIn] = create_model(name, __base__=base, **fields)
    model.record = record
    return model


class _InstrumentValidators(_RowIn):
    """Checks on instrument rows beyond the field types (fields come from :class:`Instrument`)."""

    @field_validator("holder_put_dates", "use_of_proceeds", mode="before", check_fields=False)
    @classmethod
    def _list(cls, v: Any) -> Any:
        return tuple(_split(v))

    @field_validator("balances_usd", mode="before", check_fields=False)
    @classmethod
    def _balances(cls, v: Any) -> Any:
        if v is None:
            return ()
        if isinstance(v, str):
            pairs = []
            for item in _split(v):
                d, sep, amount = item.partition(":")
                if not sep:
                    raise ValueError(f"expected 'YYYY-MM-DD:usd' pairs separated by ';', got {item!r}")
                pairs.append((d.strip(), amount.strip()))
            return tuple(pairs)
        return v

    @field_validator(
        "coupon_frac", "ltv_frac", "margin_call_ltv_frac", "liquidation_ltv_frac", check_fields=False,
    )
    @classmethod
    def _frac(cls, v: float | None) -> float | None:
        if v is not None and not 0.0 <= v <= 1.0:
            raise ValueError(f"a fraction between 0 and 1 is expected (2.5% is 0.025), got {v}")
        return v

    @field_validator("principal_usd", "conversion_price_usd", "conversion_rate_per_1000_usd",
                     "capped_call_cap_price_usd", "new_money_usd", check_fields=False)
    @classmethod
    def _non_negative(cls, v: float | None) -> float | None:
        if v is not None and v < 0:
            raise ValueError(f"must not be negative, got {v}")
        return v


_InstrumentRow = _derive_row_model("_InstrumentRow", Instrument, _InstrumentValidators)


class _MetricValidators(_RowIn):
    """Checks on metric rows (fields come from :class:`CompanyMetric`)."""

    @field_validator("metric", check_fields=False)
    @classmethod
    def _known(cls, v: str) -> str:
        return _one_of(v, METRIC_UNITS, "metric")


# ``unit`` is accepted and not kept: files may state it for readers; it is fixed by METRIC_UNITS
_MetricRow = _derive_row_model("_MetricRow", CompanyMetric, _MetricValidators, extra={"unit": (str, "")})


class _CompanyRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ticker: str
    name: str
    exchange: str = ""
    business_note: str = ""
    source_url: str = ""

    @field_validator("*", mode="before")
    @classmethod
    def _blanks(cls, v: Any, info: ValidationInfo) -> Any:
        return _default_if_blank(cls, v, info)


def _first_error(path: Path, row: int | None, exc: ValidationError) -> DataFileError:
    err = exc.errors()[0]
    loc = err.get("loc") or ()
    field = str(loc[0]) if loc else None
    msg = err.get("msg", "invalid value")
    bad = err.get("input")
    if field is not None and not isinstance(bad, Mapping):
        msg = f"{msg} (got {bad!r})"
    return DataFileError(path, msg, row=row, field=field)


def _parse_rows(path: Path, rows: Iterable[Mapping[str, Any]], model: type[BaseModel]) -> list[Any]:
    out = []
    for i, raw in enumerate(rows, start=1):
        try:
            out.append(model.model_validate(dict(raw)).to_record())  # type: ignore[attr-defined]
        except ValidationError as exc:
            raise _first_error(path, i, exc) from None
    return out


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = []
            for i, r in enumerate(reader, start=1):
                if None in r:
                    raise DataFileError(path, "more cells than header columns", row=i)
                rows.append(r)
            return rows
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"not UTF-8 text: {exc}") from None


def _check_unique(path: Path, records: list[Instrument]) -> None:
    seen: set[str] = set()
    for i, rec in enumerate(records, start=1):
        if rec.id in seen:
            raise DataFileError(path, f"duplicate instrument id {rec.id!r}", row=i, field="id")
        seen.add(rec.id)
    for i, rec in enumerate(records, start=1):
        if rec.supersedes_id is not None and rec.supersedes_id not in seen:
            raise DataFileError(path, f"supersedes unknown id {rec.supersedes_id!r}", row=i, field="supersedes_id")
        if rec.issue_date and rec.maturity_date and rec.maturity_date <= rec.issue_date:
            raise DataFileError(path, "maturity_date is not after issue_date", row=i, field="maturity_date")


def read_instruments_csv(path: str | Path) -> list[Instrument]:
    """Read an instruments CSV (schema in the module docstring).

    Raises
    ------
    DataFileError
        naming the file, the 1-based data row and the field for any invalid value.
    """
    p = Path(path)
    recs = _parse_rows(p, _read_csv_rows(p), _InstrumentRow)
    _check_unique(p, recs)
    return recs


def read_metrics_csv(path: str | Path) -> list[CompanyMetric]:
    """Read a company-metrics CSV (``ticker, metric, value, as_of, ...``)."""
    p = Path(path)
    return _parse_rows(p, _read_csv_rows(p), _MetricRow)


def _read_companies_csv(path: Path) -> list[_CompanyRow]:
    out = []
    for i, raw in enumerate(_read_csv_rows(path), start=1):
        try:
            out.append(_CompanyRow.model_validate(raw))
        except ValidationError as exc:
            raise _first_error(path, i, exc) from None
    return out


def _assemble(companies: list[_CompanyRow], metrics: list[CompanyMetric],
              instruments: list[Instrument]) -> dict[str, Company]:
    out: dict[str, Company] = {}
    for c in companies:
        out[c.ticker] = Company(
            ticker=c.ticker, name=c.name, exchange=c.exchange, business_note=c.business_note,
            source_url=c.source_url,
            metrics=tuple(m for m in metrics if m.ticker == c.ticker),
            instruments=tuple(i for i in instruments if i.ticker == c.ticker),
        )
    return out


def read_companies(companies_csv: str | Path, metrics_csv: str | Path,
                   instruments_csv: str | Path) -> dict[str, Company]:
    """Read a set of companies from three CSV files in the shipped schema, keyed by ticker.

    A metric or instrument whose ticker is not among the companies is an error (row and field named).
    """
    cpath, mpath, ipath = Path(companies_csv), Path(metrics_csv), Path(instruments_csv)
    comps = _read_companies_csv(cpath)
    tickers = {c.ticker for c in comps}
    metrics = read_metrics_csv(mpath)
    for i, m in enumerate(metrics, start=1):
        if m.ticker not in tickers:
            raise DataFileError(mpath, f"ticker {m.ticker!r} is not in {cpath.name}", row=i, field="ticker")
    insts = read_instruments_csv(ipath)
    for i, ins in enumerate(insts, start=1):
        if ins.ticker not in tickers:
            raise DataFileError(ipath, f"ticker {ins.ticker!r} is not in {cpath.name}", row=i, field="ticker")
    return _assemble(comps, metrics, insts)


def read_company_toml(path: str | Path) -> Company:
    """Read one company from a TOML file with ``[company]``, ``[[metric]]`` and ``[[instrument]]`` tables.

    ``ticker`` may be omitted from metric and instrument tables (it defaults to the company's).
    Row numbers in errors count the ``[[metric]]`` or ``[[instrument]]`` tables from 1.
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(p, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(p, f"invalid TOML: {exc}") from None
    unknown = set(doc) - {"company", "metric", "instrument"}
    if unknown:
        raise DataFileError(p, f"unknown table(s) {sorted(unknown)}; expected company, metric, instrument",
                            field=sorted(unknown)[0])
    if "company" not in doc:
        raise DataFileError(p, "missing [company] table", field="company")
    try:
        comp = _CompanyRow.model_validate(doc["company"])
    except ValidationError as exc:
        raise _first_error(p, None, exc) from None
    def with_ticker(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
        out = []
        for i, r in enumerate(rows, start=1):
            if not isinstance(r, dict):
                raise DataFileError(p, f"[[{kind}]] entry is not a table", row=i)
            r = dict(r)
            r.setdefault("ticker", comp.ticker)
            if r["ticker"] != comp.ticker:
                raise DataFileError(p, f"[[{kind}]] ticker {r['ticker']!r} differs from the company's "
                                       f"{comp.ticker!r}", row=i, field="ticker")
            out.append(r)
        return out

    metrics = _parse_rows(p, with_ticker(doc.get("metric", []), "metric"), _MetricRow)
    insts = _parse_rows(p, with_ticker(doc.get("instrument", []), "instrument"), _InstrumentRow)
    _check_unique(p, insts)
    return _assemble([comp], metrics, insts)[comp.ticker]


def read_company_folder(path: str | Path) -> dict[str, Company]:
    """Read companies from a folder holding ``companies.csv``, ``company_metrics.csv`` and
    ``instruments.csv`` in the shipped schema, by ticker."""
    p = Path(path)
    names = ("companies.csv", "company_metrics.csv", "instruments.csv")
    for n in names:
        if not (p / n).exists():
            raise DataFileError(p / n, "file not found (a company folder needs companies.csv, "
                                       "company_metrics.csv and instruments.csv)")
    return read_companies(*(p / n for n in names))


def read_company_files(path: str | Path) -> dict[str, Company]:
    """A ``.toml`` company file or a company folder (see :func:`read_company_folder`), by ticker."""
    p = Path(path)
    if p.is_dir():
        return read_company_folder(p)
    c = read_company_file(p)
    return {c.ticker: c}


def read_company_file(path: str | Path) -> Company:
    """Read one company from a ``.toml`` file (see :func:`read_company_toml`) or from a company folder
    that holds exactly one company (see :func:`read_company_folder`)."""
    p = Path(path)
    if p.is_dir():
        found = read_company_folder(p)
        if len(found) != 1:
            raise DataFileError(p, f"the folder holds {len(found)} companies; expected one "
                                   "(use read_company_folder for several)")
        return next(iter(found.values()))
    if p.suffix.lower() != ".toml":
        raise DataFileError(p, "expected a .toml company file or a folder of the three CSV files")
    return read_company_toml(p)


def package_data_path(name: str) -> Path:
    """Path of a file shipped in ``hashstack/capital/data``."""
    return Path(str(resources.files("hashstack.capital").joinpath("data", name)))


def load_public_miners() -> dict[str, Company]:
    """The shipped public miners' dataset (18 companies, instruments 2021-2025, 2025 metrics), by ticker.

    Compiled from a research sample of public filings and press (each row keeps its ``source_url``);
    reviewed as described in ``docs/capital.md`` ("Data review").
    """
    return read_companies(package_data_path("companies.csv"), package_data_path("company_metrics.csv"),
                          package_data_path("instruments.csv"))


class _AsicPriceValidators(_RowIn):
    """Checks on ASIC price rows (fields come from :class:`AsicPrice`)."""

    @field_validator("kind", check_fields=False)
    @classmethod
    def _kind(cls, v: str) -> str:
        return _one_of(v, PRICE_KINDS, "kind")

    @field_validator("price_usd_per_th", check_fields=False)
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError(f"price must be positive, got {v}")
        return v


_AsicPriceRow = _derive_row_model("_AsicPriceRow", AsicPrice, _AsicPriceValidators)


def read_asic_prices(path: str | Path) -> list[AsicPrice]:
    """Read an ASIC price table (columns as :class:`~hashstack.capital.asic_prices.AsicPrice`)."""
    p = Path(path)
    return _parse_rows(p, _read_csv_rows(p), _AsicPriceRow)


def load_asic_prices() -> list[AsicPrice]:
    """The shipped ASIC price table (index values 2021-2023, labelled contract and list prices after)."""
    return read_asic_prices(package_data_path("asic_prices.csv"))


def _date_or_month_end(path: Path, row: int, fld: str, text: str) -> date | None:
    t = text.strip()
    if not t:
        return None
    try:
        if len(t) == 7:
            y, m = int(t[:4]), int(t[5:7])
            return date(y, m, calendar.monthrange(y, m)[1])
        return date.fromisoformat(t)
    except ValueError:
        raise DataFileError(path, f"not a date (YYYY-MM-DD or YYYY-MM): {t!r}", row=row, field=fld) from None


def read_reported_issuance(path: str | Path) -> list[ReportedFigure]:
    """Read third-party aggregate figures (``period, period_start, period_end, metric, value_usd, ...``).

    A ``YYYY-MM`` period end means the month's last day.
    """
    p = Path(path)
    out = []
    for i, r in enumerate(_read_csv_rows(p), start=1):
        for col in ("period", "period_end", "metric", "value_usd", "source_url"):
            if not (r.get(col) or "").strip():
                raise DataFileError(p, "value required", row=i, field=col)
        try:
            value = float(r["value_usd"])
        except ValueError:
            raise DataFileError(p, f"not a number: {r['value_usd']!r}", row=i, field="value_usd") from None
        end = _date_or_month_end(p, i, "period_end", r["period_end"])
        assert end is not None
        out.append(ReportedFigure(
            period=r["period"], period_start=_date_or_month_end(p, i, "period_start", r.get("period_start", "")),
            period_end=end, metric=r["metric"], value_usd=value, value_qualifier=r.get("value_qualifier", ""),
            universe=r.get("universe", ""), source_org=r.get("source_org", ""), source_url=r["source_url"],
            notes=r.get("notes", ""),
        ))
    return out


def load_reported_issuance() -> list[ReportedFigure]:
    """The shipped third-party aggregate figures (22 rows, each with its source)."""
    return read_reported_issuance(package_data_path("issuance_reported.csv"))


def read_market_at(history_csv: str | Path, at: date, window_days: int = 30) -> tuple[float, float, str]:
    """Hashprice and BTC price at ``at`` from a daily network history file (``btc_daily_merged`` format).

    Returns ``(hashprice_usd_per_th_day, btc_price_usd, source)``: the mean hashprice over the
    ``window_days`` days ending at ``at`` (smooths block luck) and the BTC price on the last day with one.

    Raises
    ------
    MissingDataError : the file has no priced day in the window.
    """
    import pandas as pd

    from hashstack.network import hashprice_history, read_network_history
    from hashstack.units import TH_PER_PH

    hist = read_network_history(history_csv)
    end = pd.Timestamp(at, tz="UTC")
    window = hist.loc[end - pd.Timedelta(days=window_days - 1):end]
    hp = hashprice_history(window)["hashprice_usd_per_ph_day"].dropna()
    prices = window["btc_price_usd"].dropna()
    if hp.empty or prices.empty:
        raise MissingDataError(f"{history_csv}: no priced days in the {window_days} days to {at}; pass "
                               "--hashprice-usd-per-ph-day and --btc-price-usd")
    source = f"{Path(history_csv).name}: mean hashprice {hp.index[0].date()}..{hp.index[-1].date()}, " \
             f"BTC price {prices.index[-1].date()}"
    return float(hp.mean()) / TH_PER_PH, float(prices.iloc[-1]), source
