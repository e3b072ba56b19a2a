"""Build the package's public-miners capital dataset from ../shared/data/miners (run by hand, once).

    .venv/bin/python scripts/curate_capital_data.py [SHARED_MINERS_DIR [OUT_DIR]]

Reads ``debt_instruments.csv``, ``company_metrics.csv``, ``companies.csv`` and ``quarterly_issuance.csv``
from the shared research sample, checks them, maps them into hashstack's schema (units in names,
fractions, ISO dates, enums) and writes the curated tables to ``src/hashstack/capital/data/``.

Every correction or judgement is an explicit entry in ``OVERRIDES`` / ``METRIC_FIXES`` below, written into
the row's ``review_note`` column, and summarised in ``docs/capital.md`` ("Data review"). The checks
print what they found; the script fails when a check finds something not covered by an override.
"""

from __future__ import annotations

import re
import sys
from calendar import monthrange
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "hashstack" / "capital" / "data"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

TYPE_MAP = {
    "convertible senior notes": "convertible",
    "convertible notes (other)": "convertible",
    "convertible notes (secured and unsecured)": "convertible",
    "senior secured notes": "senior_secured",
    "senior unsecured notes": "other",
    "equipment (ASIC) loan": "asic_loan",
    "equipment loan (non-ASIC)": "other",
    "BTC-backed loan": "btc_loan",
    "credit facility": "credit_facility",
    "term loan": "other",
    "project finance loan": "senior_secured",
    "DIP loan": "other",
}
USE_MAP = {
    "ASIC": "asic", "BTC": "btc", "AI-HPC": "ai_hpc", "refinancing": "refinancing", "general": "general",
    "mining infrastructure": "infrastructure", "buyback": "share_repurchase", "restructuring": "restructuring",
    "ETH": "other", "capped call": "capped_call",
}


def collateral_of(text: str) -> str:
    t = text.strip().lower()
    if t in ("none", "none (senior)"):
        return "none"
    if t.startswith("asics"):
        return "asics"
    if t.startswith("btc"):
        return "btc"
    if t.startswith("data centre"):
        return "data_centre"
    if t.startswith("gpus"):
        return "gpus"
    if t.startswith("substantially all"):
        return "substantially_all_assets"
    if t.startswith("equipment"):
        return "equipment"
    return "unknown"  # "", "not itemised", "project level", "super-priority DIP liens"


# Per-row corrections and judgements: field -> value, plus "why" (goes into review_note).
# Dates given only to the month use the month's last day; those given only to the year use 31 December.
OVERRIDES: dict[str, dict[str, object]] = {
    "MARA-2021-CV26": {"balances_usd": "2025-09-30:48100000", "holder_put_dates": "",
                       "why": "balance ~$48.1M c. Q3 2025 after exchanges/repurchases (notes) entered as a "
                              "dated balance; the exact path of the 2024-25 repurchases is not modelled"},
    "MARA-2021-RLOC": {"instrument_type": "btc_loan", "retired_date": "2022-07-28", "retired_how": "refinanced",
                       "maturity_date": "2022-10-31",
                       "why": "BTC-collateralised revolver typed btc_loan; refinanced 2022-07-28 (notes); "
                              "maturity '2022-10 (original expiry)' taken as month-end"},
    "MARA-2022-TL": {"instrument_type": "btc_loan", "supersedes_id": "MARA-2021-RLOC",
                     "retired_date": "2023-03-08", "retired_how": "prepaid",
                     "balances_usd": "2022-07-28:50000000", "maturity_date": "2024-07-31",
                     "why": "BTC-secured term loan typed btc_loan; $50M drawn (notes: '$250M at closing' "
                            "garbled, $50M outstanding when prepaid); maturity 2024-07 taken as month-end"},
    "MARA-2024-CV31S": {"holder_put_dates": "2029-03-01", "issuer_call_date": "2028-09-06",
                        "call_trigger_frac": 1.30, "why": "put/call terms moved from notes"},
    "MARA-2024-CV30": {"holder_put_dates": "2027-12-01", "issuer_call_date": "2028-03-05",
                       "call_trigger_frac": 1.30, "why": "put/call terms moved from notes"},
    "MARA-2025-CV32": {"holder_put_dates": "2030-01-04", "issuer_call_date": "2030-01-15",
                       "issue_date": "2025-07-31",
                       "why": "put (conditional on stock below conversion price, per Blockspace) and call "
                              "moved from notes; pricing 'late July' taken as 2025-07-31"},
    "RIOT-2024-CV30": {"issuer_call_date": "2028-01-20", "call_trigger_frac": 1.30,
                       "why": "call terms moved from notes"},
    "RIOT-2025-CB1": {"maturity_date": "2026-04-21", "why": "maturity date parsed from '364 days' text"},
    "RIOT-2025-CB2": {"supersedes_id": "RIOT-2025-CB1", "maturity_date": "2026-05-31",
                      "why": "upsize of the same Coinbase facility (new money $100M): replaces CB1 in totals; "
                             "maturity '~2026-05' taken as month-end"},
    "CLSK-2022-TRIN": {"balances_usd": "2024-12-31:3400000", "maturity_date": "2025-04-30",
                       "amortisation": "amortising", "amortisation_months": 36,
                       "why": "36-month amortising schedules; balance $3.4M at 2024-12-31 (notes)"},
    "CLSK-2024-CB": {"balances_usd": "2024-09-30:50000000;2024-12-17:0",
                     "why": "$50M drawn at 2024-09-30 repaid with the Dec-2024 convert (closed 2024-12-17), "
                            "per notes; status 'repaid in full Nov 2025' refers to the upsized facility"},
    "CLSK-2024-WAB": {"balances_usd": "2024-12-31:6644000", "maturity_date": "2029-08-31",
                      "why": "only the 2024-12-31 balance is known; maturity 2029-08 taken as month-end"},
    "CLSK-2024-CV30": {"issuer_call_date": "2028-06-20", "why": "call date moved from notes"},
    "CLSK-2025-CB-UP1": {"supersedes_id": "CLSK-2024-CB", "retired_date": "2025-11-30",
                         "retired_how": "repaid",
                         "why": "upsize of the Coinbase line to $200M: replaces the $50M row; 'repaid Nov 2025' "
                                "taken as 2025-11-30"},
    "CLSK-2025-CB-UP2": {"supersedes_id": "CLSK-2025-CB-UP1", "retired_date": "2025-11-30",
                         "retired_how": "repaid", "balances_usd": "2025-09-30:174500000",
                         "why": "upsize to $300M replaces UP1; $174.5M outstanding at 2025-09-30 (notes)"},
    "CLSK-2025-2PRIME": {"retired_date": "2025-11-30", "retired_how": "repaid (undrawn capacity retained)",
                         "why": "'repaid Nov 2025' taken as 2025-11-30"},
    "CLSK-2025-CV32": {"issuer_call_date": "2029-02-20", "why": "no redemption before 2029-02-20 (notes)"},
    "CIFR-2025-CV31": {"holder_put_dates": "2029-10-01", "issuer_call_date": "2028-10-05",
                       "call_trigger_frac": 1.30, "why": "put/call terms moved from notes"},
    "CIFR-2025-SSN": {"issuer_call_date": "2027-11-15", "amortisation": "amortising",
                      "why": "call from 2027-11-15; amortising after completion (detail)"},
    "CIFR-2025-SSN-TAP": {"amortisation": "amortising", "why": "same series as CIFR-2025-SSN (additive tap)"},
    "CIFR-2026-SSN-BP": {"maturity_date": "2031-12-31", "why": "maturity year only; year-end assumed"},
    "CIFR-2024-COINBASE": {"issue_period": "2024", "balances_usd": "2024-12-31:25000000",
                           "why": "in place by FY2024 10-K; counted from 2024-01-01 (year only)"},
    "WULF-2021-TL": {"instrument_type": "senior_secured", "amortisation": "amortising",
                     "why": "LGSA term loan secured on substantially all assets: typed senior_secured"},
    "WULF-2022-TL-A1": {"instrument_type": "senior_secured", "why": "LGSA term loan: typed senior_secured"},
    "WULF-2022-TL-A3": {"instrument_type": "senior_secured", "why": "LGSA term loan: typed senior_secured"},
    "WULF-2024-CV30": {"maturity_date": "2030-12-31",
                       "why": "maturity day not read (year 2030); year-end assumed"},
    "WULF-2025-CV31": {"issuer_call_date": "2028-09-06", "why": "call date moved from notes"},
    "WULF-2025-SSN": {"maturity_date": "2030-12-31", "why": "maturity year only; year-end assumed"},
    "WULF-2025-CV32": {"issuer_call_date": "2029-05-06", "why": "not redeemable before 2029-05-06 (notes)"},
    "IREN-2022-SPV-71": {"retired_date": "2022-11-30", "retired_how": "defaulted (non-recourse SPV)",
                         "issue_date": "2022-03-31",
                         "why": "non-recourse SPV loan defaulted/accelerated Nov 2022: dropped from the "
                                "parent's debt from 2022-11-30; announced 2022-03 taken as month-end"},
    "IREN-2021-SPV-OTHER": {"retired_date": "2022-11-30", "retired_how": "defaulted (non-recourse SPV)",
                            "why": "as IREN-2022-SPV-71"},
    "IREN-2024-CV30": {"why": "conversion price (~$16.81) not confirmed, left blank as in the source"},
    "IREN-2025-CV29": {"issuer_call_date": "2028-06-20", "why": "call date moved from notes"},
    "IREN-2025-CV31": {"issuer_call_date": "2029-01-08", "why": "call date moved from notes"},
    "IREN-2025-CV32": {"maturity_date": "2032-12-31", "why": "maturity day not read; year-end assumed"},
    "IREN-2025-CV33": {"issuer_call_date": "2028-12-08", "call_trigger_frac": 1.30,
                       "why": "NC3 provisional call at 130%: first call taken as 3 years after the "
                              "2025-12-08 closing"},
    "IREN-2025-GPU": {"instrument_type": "other",
                      "why": "aggregate GPU financing (year only, low confidence): counted from 2025-01-01"},
    "IREN-2026-GPU-PF": {"collateral": "gpus", "why": "collateral GPUs and contract cash flows"},
    "CORZ-2021-CN": {"issue_date": "2021-04-30", "retired_date": "2024-01-23",
                     "retired_how": "equitised/restructured at Ch.11 emergence", "maturity_date": "2025-12-31",
                     "why": "issued in tranches 2021-04 and 2021-08 (first month-end used); principal is the "
                            "balance at end-Nov 2022; retired at emergence 2024-01-23; maturity year only"},
    "CORZ-BLOCKFI": {"retired_date": "2024-01-23", "retired_how": "settled in Ch.11", "coupon_frac": 0.114,
                     "maturity_date": "2023-12-31",
                     "why": "balance at 2022-12-31 (original principal not read); coupon range 9.7-13.1% "
                            "entered as its midpoint; settled by emergence 2024-01-23; maturity year only"},
    "CORZ-BARINGS": {"retired_date": "2024-01-23", "retired_how": "settled in Ch.11", "maturity_date": "2025-12-31",
                     "why": "balance at 2022-12-31; settled by emergence 2024-01-23; maturity year only"},
    "CORZ-ANCHOR": {"retired_date": "2024-01-23", "retired_how": "settled in Ch.11", "maturity_date": "2024-12-31",
                    "why": "balance at 2022-12-31; settled by emergence 2024-01-23; maturity year only"},
    "CORZ-TRINITY": {"retired_date": "2024-01-23", "retired_how": "settled in Ch.11", "maturity_date": "2024-12-31",
                     "why": "balance at 2022-12-31; settled by emergence 2024-01-23; maturity year only"},
    "CORZ-LIBERTY": {"retired_date": "2024-01-23", "retired_how": "settled in Ch.11", "maturity_date": "2024-12-31",
                     "why": "balance at 2022-12-31; settled by emergence 2024-01-23; maturity year only"},
    "CORZ-BREMER": {"balances_usd": "2024-12-31:10700000", "maturity_date": "2027-12-31",
                    "why": "balance at 2022-12-31; $10.7M at 2024-12-31 (notes); maturity '2026-2027' "
                           "taken as 2027-12-31"},
    "CORZ-NYDIG": {"issue_date": "2020-10-31", "issue_period": "2020Q4", "coupon_frac": 0.13,
                   "balances_usd": "2022-12-31:38573000", "retired_date": "2023-12-31",
                   "retired_how": "extinguished by returning 27,403 rigs",
                   "why": "origination from 2020-10 (taken as month-end); principal is cumulative "
                          "borrowing, $38.573M at 2022-12-31; coupon range 11-15% as midpoint; "
                          "'extinguished 2023' taken as 2023-12-31"},
    "CORZ-BRILEY-BRIDGE": {"retired_date": "2024-01-23", "retired_how": "compromised in Ch.11",
                           "maturity_date": "2023-12-31",
                           "why": "liability subject to compromise, resolved at emergence 2024-01-23"},
    "CORZ-2023-DIP": {"retired_date": "2024-01-23", "retired_how": "repaid at emergence",
                      "maturity_date": "2024-12-31", "why": "repaid at emergence 2024-01-23"},
    "CORZ-2024-EXIT-SSN": {"retired_date": "2024-08-19", "retired_how": "redeemed with 2029 converts",
                           "maturity_date": "2028-12-31",
                           "why": "redeemed Aug 2024 with the 2029 converts (closed 2024-08-19); maturity "
                                  "year only; issued for claims (new money 0)"},
    "CORZ-2024-EXIT-CN": {"maturity_date": "2029-01-23",
                          "why": "FLAG: later conversion/retirement not traced in the source, so the $260M "
                                 "still counts as debt after 2024 (likely overstates CORZ debt); 5-year "
                                 "term from emergence"},
    "CORZ-2024-EXIT-TL": {"retired_date": "2024-08-19", "retired_how": "repaid",
                          "balances_usd": "2024-08-19:61200000",
                          "why": "'repaid Aug 2024 ($61.2M outstanding)': day taken as the 2029 converts' "
                                 "closing"},
    "CORZ-2024-CV29": {"issuer_call_date": "2027-09-07", "why": "call date moved from notes"},
    "CORZ-2024-CV31": {"issuer_call_date": "2028-06-22", "why": "call date moved from notes (per proposal)"},
    "BITF-2021-GLXY": {"ltv_frac": 1 / 1.43, "margin_call_ltv_frac": 1 / 1.33, "maturity_date": "2022-06-30",
                       "balances_usd": "2021-12-31:60000000;2022-06-30:38000000",
                       "why": "collateralised at 143% (LTV 1/1.43) with top-up below 133% (margin-call LTV "
                              "1/1.33); $60M drawn at announcement, paid down to $38M Jun 2022"},
    "BITF-2022-BLOCKFI": {"maturity_date": "2024-02-29", "why": "2-year term from 2022-02-25"},
    "BITF-2025-MACQ": {"why": "facility size 'up to' $300M counted at size until converted"},
    "BITF-2025-MACQ-PF": {"supersedes_id": "BITF-2025-MACQ", "balances_usd": "2025-10-10:100000000",
                          "why": "conversion of the Macquarie facility (no new commitment): replaces the "
                                 "MACQ row; $100M drawn at close"},
    "BITF-2025-CV31": {"why": "cap $11.88 is a cash-settled capped call"},
    "HUT-2024-CB-A1": {"supersedes_id": "HUT-2023-CB", "why": "amendment of the Coinbase facility"},
    "HUT-2024-CB-A2": {"supersedes_id": "HUT-2024-CB-A1", "balances_usd": "2025-03-31:65000000",
                       "why": "amendment; $65M outstanding at 2025-03-31 (HUT-2025-CB-A3 notes)"},
    "HUT-2025-CB-A3": {"supersedes_id": "HUT-2024-CB-A2", "balances_usd": "2025-09-30:130000000",
                       "why": "amendment; $130M outstanding at Q3 2025 (HUT-2025-CB-A4 notes)"},
    "HUT-2025-CB-A4": {"supersedes_id": "HUT-2025-CB-A3", "issue_date": "2025-12-22",
                       "why": "amendment, fully drawn"},
    "HUT-2025-2PRIME": {"margin_call_ltv_frac": 1 / 1.35, "ltv_frac": 1 / 1.60,
                        "why": "margin call at 135% collateral/principal (LTV 1/1.35), top-up to 160% "
                               "(LTV 1/1.60)"},
    "HUT-2024-COATUE": {"maturity_date": "2029-07-11",
                        "why": "5-year initial term from the expected 2024-07-11 closing"},
    "HUT-USBTC-ANCHORAGE": {"conversion_price_usd": "", "retired_date": "2024-10-01",
                            "retired_how": "converted to common stock", "balances_usd": "2024-09-30:38000000",
                            "why": "FIX: conversion price 16.395 was a copy of the Coatue note's (not a "
                                   "convertible); ~$38M balance at conversion ~2024-10-01"},
    "BTDR-2024-CV29A": {"retired_date": "2025-09-30", "retired_how": "converted/redeemed",
                        "why": "fully converted/redeemed by Sept 2025 (taken as 2025-09-30)"},
    "BTDR-2024-CV29B": {"balances_usd": "2025-11-30:160000000",
                        "why": "$200M repurchased Nov 2025 (taken as 2025-11-30)"},
    "BTDR-2025-MTX": {"balances_usd": "2025-04-21:43000000", "amortisation": "amortising",
                      "amortisation_months": 24, "issue_date": "2025-04-21",
                      "why": "24-month amortising per draw; $43M drawn by 2025-04-21 (counted from then)"},
    "BTDR-2025-CV31B": {"holder_put_dates": "2029-11-15", "issuer_call_date": "2028-11-20",
                        "why": "holder put 'at 4 years' (2029-11-15) and call from notes"},
    "ARBK-2021-SN26": {"retired_date": "2025-12-15", "retired_how": "mandatorily exchanged into ADSs",
                       "why": "exchanged 2025-12-15 (status)"},
    "ARBK-2022-NYDIG1": {"retired_date": "2022-12-28", "retired_how": "repaid from Helios sale",
                         "maturity_date": "2026-03-10",
                         "why": "repaid Dec 2022 with the Helios sale (2022-12-28); 4-year term"},
    "ARBK-2022-NYDIG2": {"retired_date": "2022-12-28", "retired_how": "repaid from Helios sale",
                         "issue_date": "2022-04-30",
                         "why": "repaid Dec 2022 with the Helios sale (2022-12-28); drawn Apr-Jul 2022 "
                                "(first month-end used)"},
    "ARBK-2022-GLXY": {"maturity_date": "2025-12-28", "why": "36-month term from 2022-12-28"},
    "ARBK-2025-GROWLER": {"retired_date": "2025-12-08", "retired_how": "converted to equity (UK plan)",
                          "why": "sanction hearing 2025-12-08 taken as the conversion date"},
    "GREE-2021-SN26": {"balances_usd": "2025-06-30:58270000;2025-08-31:44350000",
                       "why": "series balances (incl. the tap) after the 2025 exchange offers"},
    "GREE-2021-SN26-TAP": {"retired_date": "2025-06-30", "retired_how": "merged into the series balance",
                           "why": "fungible tap: from 2025-06-30 the series balance on GREE-2021-SN26 covers it"},
    "GREE-2022-NYDIG": {"retired_date": "2023-01-30", "retired_how": "restructured",
                        "balances_usd": "2022-12-31:75800000",
                        "why": "$75.8M outstanding before the 2023-01-30 settlement"},
    "GREE-2022-BRILEY": {"balances_usd": "2023-01-31:11000000", "why": "~$11M balance after 2023-01-31"},
    "GREE-2023-NYDIG-REFI": {"instrument_type": "senior_secured", "supersedes_id": "GREE-2022-NYDIG",
                             "why": "refinancing of the NYDIG MEFAs, secured on all unencumbered assets"},
    "GREE-2025-SN30": {"maturity_date": "2030-12-31",
                       "why": "principal not read (exchange); maturity year only"},
    "SDIG-2021-WHITEHAWK": {"why": "not-to-exceed amount"},
    "SDIG-2021-NYDIG": {"retired_date": "2022-11-30", "retired_how": "extinguished by returning miners",
                        "why": "extinguished Aug-Nov 2022 (taken as 2022-11-30)"},
    "SDIG-2022-CN": {"retired_date": "2023-02-28", "retired_how": "exchanged for convertible preferred",
                     "why": "exchanged Feb 2023"},
    "SDIG-2022-WH-RESTR": {"instrument_type": "asic_loan", "supersedes_id": "SDIG-2021-WHITEHAWK",
                           "maturity_date": "2025-10-31",
                           "why": "restructured WhiteHawk equipment financing: replaces the 2021 row; "
                                  "36 months from 2022-10"},
    "GLXY-2025-HELIOS": {"amortisation": "unknown", "why": "80% loan-to-cost project loan"},
    "SLNH-2025-GENERATE": {"instrument_type": "senior_secured", "balances_usd": "2025-09-16:17000000",
                           "maturity_date": "2030-09-30",
                           "why": "project-level senior secured term loans; A-1 + A-3 = $17M drawn"},
    "SLNH-2024-SLC-D2": {"exclude_from_totals": "true", "why": "EXCLUDE (source): debt nature not confirmed"},
    "APLD-2024-BND": {"instrument_type": "senior_secured", "issue_date": "2024-03-31",
                      "maturity_date": "2029-03-31",
                      "why": "site-level financing typed senior_secured; 2024-03 taken as month-end; 5-year term"},
    "APLD-2024-CV30": {"issuer_call_date": "2027-12-01", "why": "not redeemable before 2027-12-01 (notes)"},
    "APLD-2025-SMBC": {"retired_date": "2025-11-20", "retired_how": "repaid with senior secured notes",
                       "why": "repaid at the 2025-11-20 closing of APLD-2025-SSN"},
    "APLD-2025-SSN": {"amortisation": "amortising", "why": "amortising from 2027-12-15"},
    "APLD-2026-SSN2": {"maturity_date": "2031-12-31", "why": "maturity year only; year-end assumed"},
    "HIVE-2021-DEB": {"amortisation": "amortising", "maturity_date": "2025-12-31",
                      "why": "principal payable quarterly; 60 months from ~2020-12-31; conversion price is "
                             "C$3.00 (CAD), left blank"},
    "HIVE-2021-ATLANTIC-TL": {"maturity_date": "2024-06-30",
                              "why": "assumed on acquisition; renewals after 2024-06-30 not itemised"},
    "HUT-2021-FOUNDRY": {"issue_date": "2021-01-31", "maturity_date": "2022-01-31",
                         "why": "2021-01 taken as month-end; 12-month term"},
}


def parse_iso(text: str) -> str:
    m = ISO.search(text or "")
    return m.group(0) if m else ""


def month_end(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}-{monthrange(y, m)[1]:02d}"


def curate_instruments(src: Path) -> pd.DataFrame:
    d = pd.read_csv(src / "debt_instruments.csv", dtype=str).fillna("")
    assert not d["id"].duplicated().any(), "duplicate ids"
    unknown = set(OVERRIDES) - set(d["id"])
    assert not unknown, f"overrides for unknown ids {unknown}"
    rows = []
    for r in d.to_dict("records"):
        rid = r["id"]
        ov = dict(OVERRIDES.get(rid, {}))
        notes: list[str] = []
        itype = TYPE_MAP.get(r["instrument_type"], "other")
        collat = collateral_of(r["secured_by"])
        secured = r["secured"].strip() in ("yes", "partly")
        if itype == "credit_facility" and collat == "btc":
            itype = "btc_loan"
        issue = parse_iso(r["close_date"]) or parse_iso(r["pricing_date"]) or parse_iso(r["announce_date"])
        coupon = r["coupon_pct"].strip()
        coupon_frac: object = ""
        if coupon:
            try:
                coupon_frac = round(float(coupon) / 100, 8)
            except ValueError:
                coupon_frac = ""
        mat = r["maturity_date"].strip()
        mat_iso = mat if ISO.fullmatch(mat) else ""
        cap = re.search(r"cap \$([\d.]+)", r["instrument_detail"])
        uses = []
        for tag in r["use_of_proceeds_category"].split(";"):
            tag = tag.strip()
            if tag:
                uses.append(USE_MAP[tag])
        if itype == "convertible" or r["instrument_type"] in ("senior secured notes", "senior unsecured notes"):
            amort = "bullet"
        elif itype == "btc_loan":
            amort = "bullet"
        else:
            amort = "unknown"
        cp, rate = r["conversion_price_usd"].strip(), r["conversion_rate_per_1000usd"].strip()
        if cp and rate:
            rel = abs(float(cp) - 1000 / float(rate)) / float(cp)
            if rel > 0.01:
                notes.append(f"CHECK: conversion price {cp} vs 1000/rate {1000 / float(rate):.4f}")
        out = {
            "id": rid, "ticker": r["ticker"], "issuer": r["issuer"], "instrument_type": itype,
            "type_detail": r["instrument_type"] + (f": {r['instrument_detail']}" if r["instrument_detail"] else ""),
            "status": r["status"], "issue_date": issue, "issue_period": r["event_quarter"],
            "principal_usd": r["principal_usd"], "amount_basis": r["amount_basis"],
            "new_money_usd": r["new_money_usd"], "balances_usd": "",
            "coupon_frac": coupon_frac, "coupon_type": r["coupon_type"],
            "maturity_date": mat_iso, "maturity_text": mat,
            "conversion_price_usd": cp, "conversion_rate_per_1000_usd": rate,
            "holder_put_dates": "", "issuer_call_date": "", "call_trigger_frac": "",
            "capped_call_cap_price_usd": cap.group(1) if cap else "",
            "secured": "true" if secured else "false", "collateral": collat,
            "collateral_detail": "; ".join(x for x in (r["secured_by"], r["collateral_detail"]) if x),
            "ltv_frac": "", "margin_call_ltv_frac": "", "liquidation_ltv_frac": "",
            "amortisation": amort, "amortisation_months": "",
            "use_of_proceeds": ";".join(dict.fromkeys(uses)), "lender": r["lender_or_arranger"],
            "retired_date": "", "retired_how": "", "supersedes_id": "", "exclude_from_totals": "false",
            "in_scope_2021_2025": r["in_scope_2021_2025"].split(" ")[0], "confidence": r["confidence"],
            "source_url": r["source_url"], "source_title": r["source_title"],
            "notes": "; ".join(x for x in (r["notes"], r["other_sources"] and f"other sources: {r['other_sources']}")
                               if x),
        }
        if "EXCLUDE" in r["notes"]:
            out["exclude_from_totals"] = "true"
        if r["instrument_type"] == "term loan" and collat == "btc":
            out["instrument_type"] = "btc_loan"
        why = ov.pop("why", "")
        for k, v in ov.items():
            assert k in out, (rid, k)
            out[k] = v
        if why:
            notes.insert(0, str(why))
        if mat and not out["maturity_date"] and re.fullmatch(r"\d{4}-\d{2}", mat):
            y, m = map(int, mat.split("-"))
            out["maturity_date"] = month_end(y, m)
            notes.append(f"maturity {mat} taken as month-end")
        out["review_note"] = "; ".join(notes)
        rows.append(out)
    df = pd.DataFrame(rows)
    return df


def check_sums(src: Path, inst: pd.DataFrame) -> None:
    """Recompute the derived quarterly rows of quarterly_issuance.csv from new_money_usd."""
    q = pd.read_csv(src / "quarterly_issuance.csv", dtype={"value_usd": float})
    d = pd.read_csv(src / "debt_instruments.csv", dtype=str).fillna("")
    d = d[(d["in_scope_2021_2025"] == "yes") & ~d["notes"].str.contains("EXCLUDE")]
    d = d[d["event_quarter"].str.fullmatch(r"\d{4}Q\d")]
    nm = pd.to_numeric(d["new_money_usd"], errors="coerce").fillna(0.0)
    sums = nm.groupby(d["event_quarter"]).sum()
    for row in q[q["source_type"] == "derived"].itertuples():
        got = float(sums.get(row.period, 0.0))
        flag = "ok" if abs(got - row.value_usd) < 1 else "MISMATCH"
        print(f"derived {row.period}: file {row.value_usd:,.0f} recomputed {got:,.0f} {flag}")


def main(argv: list[str]) -> None:
    src = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data" / "miners"
    out = Path(argv[2]) if len(argv) > 2 else OUT
    out.mkdir(parents=True, exist_ok=True)
    inst = curate_instruments(src)
    check_sums(src, inst)
    inst.to_csv(out / "instruments.csv", index=False)
    print(f"wrote {len(inst)} instruments")
    curate_metrics(src, out)
    curate_asic_prices(src.parent / "bitcoin", out)
    curate_reported_issuance(src, out)


# Tier bounds [min, max) in J/TH for each tier label used in asic_price_index_reference_values.csv, the
# kind of each row, the date used, and why. Rows mapped to None are not shipped (reason given).
ASIC_ROWS: dict[tuple[str, str], tuple[str, float, float, str, str] | None] = {
    # (date text, tier text): (date, min, max, kind, why)
    ("2021-05-07", "Under 38 J/TH"): ("2021-05-07", 0.0, 38.0, "index", ""),
    ("2021-05-07", "38-68 J/TH"): ("2021-05-07", 38.0, 68.0, "index", ""),
    ("2021 (peak)", "Over 68 J/TH"): None,
    ("2022-04-18 (approx)", "Under 38 J/TH"): ("2022-04-18", 0.0, 38.0, "index", "date approximate (source)"),
    ("2022-07 (approx)", "Under 25 J/TH"): ("2022-07-01", 0.0, 25.0, "index",
                                           "'since July 2022' starting level: dated 2022-07-01 (approx.)"),
    ("2022-12-25", "Under 38 J/TH"): ("2022-12-25", 0.0, 38.0, "index", ""),
    ("2022-12-25", "38-68 J/TH"): ("2022-12-25", 38.0, 68.0, "index", ""),
    ("2022-12-25", "Over 68 J/TH"): ("2022-12-25", 68.0, 1000.0, "index", ""),
    ("2023-07-26 (approx)", "Under 25 J/TH"): ("2023-07-26", 0.0, 25.0, "index", "date approximate (source)"),
    ("2023 (mid, approx)", "most-efficient tier"): None,
    ("2024-01-08", "contract: Antminer S21 (17.5 J/TH; under-19 J/TH class)"):
        ("2024-01-08", 0.0, 19.0, "contract", "NOT an index value: bulk purchase price"),
    ("2024-01-08", "contract option: Antminer S21 (17.5 J/TH)"):
        ("2024-01-08", 0.0, 19.0, "contract_option", "NOT an index value: option strike"),
    ("2024-02-24", "contract: Whatsminer M60S (18.5 J/TH; under-19 J/TH class)"):
        ("2024-02-24", 0.0, 19.0, "contract", "NOT an index value: purchase order"),
    ("2024-03 (approx)", "contract: Antminer T21 (19 J/TH; at the under-19 / 19-25 J/TH boundary)"):
        ("2024-03-31", 19.0, 25.0, "contract",
         "NOT an index value: purchase price; 'March 2024' dated month-end; 19 J/TH put in the 19-25 tier "
         "(Luxor's tiers are 'under19' and '19to25')"),
    ("2024-03 (approx)", "contract: Antminer S21 (17.5 J/TH; under-19 J/TH class)"):
        ("2024-03-31", 0.0, 19.0, "contract", "NOT an index value: purchase price; dated month-end"),
    ("2024-03 (approx)", "contract option: Antminer S21 (17.5 J/TH)"):
        ("2024-03-31", 0.0, 19.0, "contract_option", "NOT an index value: option strike; dated month-end"),
    ("2025-12-23", "manufacturer promo: Antminer S19 XP+ Hydro container bundle (~19 J/TH)"):
        ("2025-12-23", 19.0, 25.0, "list", "NOT an index value: promotional bundle"),
    ("2025-12-23", "manufacturer list price (low end): some Antminer S19 Hydro variants"):
        ("2025-12-23", 19.0, 25.0, "list", "NOT an index value: list price before coupons; tier assumed"),
    ("2025-12-23", "manufacturer list price: some Antminer S21 hydro/immersion models (low end of range)"):
        ("2025-12-23", 0.0, 19.0, "list", "NOT an index value: list price, low end of $7-8"),
    ("2025-12-23", "manufacturer list price: some Antminer S21 hydro/immersion models (high end of range)"):
        ("2025-12-23", 0.0, 19.0, "list", "NOT an index value: list price, high end of $7-8"),
}
ASIC_DROPPED_WHY = {
    ("2021 (peak)", "Over 68 J/TH"): "no date beyond '2021 (peak)'",
    ("2023 (mid, approx)", "most-efficient tier"): "duplicate of the 2023-07-26 under-25 J/TH $20/TH value "
                                                   "(same figure, same period, secondary source)",
}


def curate_asic_prices(bitcoin_dir: Path, out: Path) -> None:
    a = pd.read_csv(bitcoin_dir / "asic_price_index_reference_values.csv", dtype=str).fillna("")
    rows = []
    for r in a.to_dict("records"):
        key = (r["date"], r["tier"])
        if key not in ASIC_ROWS:
            raise SystemExit(f"ASIC price row not reviewed: {key}")
        spec = ASIC_ROWS[key]
        if spec is None:
            print(f"ASIC price row dropped: {key}: {ASIC_DROPPED_WHY[key]}")
            continue
        d, lo, hi, kind, why = spec
        rows.append({"date": d, "date_text": r["date"], "tier": r["tier"], "efficiency_min_j_per_th": lo,
                     "efficiency_max_j_per_th": hi, "price_usd_per_th": float(r["value_usd_per_th"]),
                     "kind": kind, "context": r["context"], "source": r["publisher_or_citing_source"],
                     "source_url": r["url"], "review_note": why})
    pd.DataFrame(rows).to_csv(out / "asic_prices.csv", index=False)
    print(f"wrote {len(rows)} ASIC price rows")


def curate_reported_issuance(src: Path, out: Path) -> None:
    """Ship the third-party (reported) aggregate figures, with their sources, for comparisons."""
    q = pd.read_csv(src / "quarterly_issuance.csv", dtype=str).fillna("")
    rep = q[q["source_type"] == "reported"].drop(columns=["source_type"])
    rep.to_csv(out / "issuance_reported.csv", index=False)
    print(f"wrote {len(rep)} reported issuance figures")


METRIC_MAP = {"hashrate_ehs": ("hashrate_ths", 1e6), "fleet_efficiency_jth": ("fleet_efficiency_j_per_th", 1.0),
              "btc_holdings": ("btc_held_btc", 1.0), "btc_holdings_usd": ("btc_held_usd", 1.0),
              "shares_outstanding": ("shares_outstanding", 1.0), "btc_mined": ("btc_mined_btc", 1.0),
              "btc_mined_per_day": ("btc_mined_btc", 1.0)}
# (ticker, source metric) -> fields to set, with why
METRIC_FIXES: dict[tuple[str, str], dict[str, object]] = {
    ("WULF", "btc_holdings"): {"metric": "btc_held_usd", "value": 492000.0, "as_of": "2025-09-30",
                               "why": "FIX: value was blank with 'USD thousands: 492' in notes; entered as "
                                      "btc_held_usd = 492,000 (BTC count not stated)"},
    ("IREN", "fleet_efficiency_jth"): {"as_of": "2025-06-30", "why": "'2025 (FY25)': IREN's FY ends 30 June"},
    ("HIVE", "fleet_efficiency_jth"): {"as_of": "2024-12-31",
                                       "why": "'fiscal Q3 2025' with HIVE's FY ending 31 March = quarter to "
                                              "2024-12-31; the source calls the period ambiguous (low)"},
    ("MARA", "shares_outstanding"): {"as_of": "",
                                     "why": "snapshot date not stated: kept undated (used only when no date "
                                            "is asked)"},
    ("ARBK", "btc_mined_per_day"): {"period": "per day", "as_of": "2024-12-31",
                                    "why": "~2 BTC/day in 2024 (approx.), period 'per day', dated year-end"},
}


def as_of_iso(text: str) -> str:
    t = text.strip()
    if ISO.fullmatch(t):
        return t
    m = re.match(r"^(\d{4})-(\d{2})\b", t)
    if m:
        return month_end(int(m.group(1)), int(m.group(2)))
    m = re.match(r"^(\d{4})-Q([1-4])$", t)
    if m:
        return month_end(int(m.group(1)), 3 * int(m.group(2)))
    return ""


def curate_metrics(src: Path, out_dir: Path) -> None:
    m = pd.read_csv(src / "company_metrics.csv", dtype=str).fillna("")
    assert not m.duplicated(["ticker", "metric", "as_of"]).any(), "duplicate metric rows"
    rows = []
    for r in m.to_dict("records"):
        name, scale = METRIC_MAP[r["metric"]]
        fix = dict(METRIC_FIXES.get((r["ticker"], r["metric"]), {}))
        why = str(fix.pop("why", ""))
        iso = as_of_iso(r["as_of"])
        out = {"ticker": r["ticker"], "metric": name,
               "value": float(r["value"]) * scale if r["value"] else "",
               "as_of": iso, "as_of_text": r["as_of"], "basis": r["basis"],
               "period": r["as_of"] if name == "btc_mined_btc" else "",
               "confidence": r["confidence"], "source_url": r["source_url"], "notes": r["notes"],
               "review_note": why}
        if iso and iso != r["as_of"] and not why:
            out["review_note"] = f"as_of '{r['as_of']}' taken as period end {iso}"
        out.update(fix)
        if out["value"] == "":
            raise SystemExit(f"metric without value not covered by a fix: {r}")
        rows.append(out)
    df = pd.DataFrame(rows)
    # cross-check the wide pivot against the long file
    c = pd.read_csv(src / "companies.csv", dtype=str).fillna("")
    pairs = {"hashrate_ehs": "hashrate_ehs", "fleet_efficiency_jth": "fleet_efficiency_jth",
             "btc_holdings": "btc_holdings", "shares_outstanding": "shares_outstanding"}
    for r in c.to_dict("records"):
        for wide, long in pairs.items():
            v = r[wide]
            if not v:
                continue
            hit = m[(m["ticker"] == r["ticker"]) & (m["metric"] == long)]
            ok = len(hit) == 1 and float(hit["value"].iloc[0]) == float(v)
            if not ok:
                print(f"companies.csv vs company_metrics.csv differ: {r['ticker']} {wide} {v}")
    df.to_csv(out_dir / "company_metrics.csv", index=False)
    comp = pd.DataFrame({"ticker": c["ticker"], "name": c["company"], "exchange": c["exchange"],
                         "business_note": c["business_note"],
                         "source_url": c["sources"].str.split(" ; ").str[0]})
    comp.to_csv(out_dir / "companies.csv", index=False)
    print(f"wrote {len(df)} metrics, {len(comp)} companies")


if __name__ == "__main__":
    main(sys.argv)
