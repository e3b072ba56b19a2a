"""Capital structure of Bitcoin miners: instruments, companies, the public miners' dataset and metrics.

Records (frozen dataclasses) live in :mod:`hashstack.capital.records`; file readers and the shipped
dataset in :mod:`hashstack.capital.loaders`.
"""

from hashstack.capital.loaders import (
    load_public_miners,
    read_companies,
    read_company_file,
    read_company_files,
    read_company_folder,
    read_company_toml,
    read_instruments_csv,
    read_metrics_csv,
)
from hashstack.capital.records import (
    METRIC_UNITS,
    Amortisation,
    Collateral,
    Company,
    CompanyMetric,
    Instrument,
    InstrumentType,
    IssuanceCategory,
    UseOfProceeds,
    outstanding_instruments,
)

__all__ = [
    "METRIC_UNITS",
    "Amortisation",
    "Collateral",
    "Company",
    "CompanyMetric",
    "Instrument",
    "InstrumentType",
    "IssuanceCategory",
    "UseOfProceeds",
    "load_public_miners",
    "outstanding_instruments",
    "read_companies",
    "read_company_file",
    "read_company_files",
    "read_company_folder",
    "read_company_toml",
    "read_instruments_csv",
    "read_metrics_csv",
]
