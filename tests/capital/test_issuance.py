"""Issuance by quarter and type, and each comparison with the reported figures."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import shared_file

from hashstack.capital import IssuanceCategory, load_public_miners
from hashstack.capital.issuance import compare_reported, issuance_by_quarter, quarter_totals
from hashstack.capital.loaders import load_reported_issuance


def _instruments():
    return [i for c in load_public_miners().values() for i in c.instruments]


def test_derived_quarterly_sums_are_reproduced_exactly() -> None:
    # quarterly_issuance.csv's "derived" rows are sums of new_money_usd by quarter: every one is reproduced
    path = shared_file("miners", "quarterly_issuance.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        derived = {r["period"]: float(r["value_usd"]) for r in csv.DictReader(fh) if r["source_type"] == "derived"}
    ours = quarter_totals(issuance_by_quarter(_instruments()))
    assert len(derived) == 20
    for quarter, value in derived.items():
        assert ours[quarter] == pytest.approx(value, abs=1.0), quarter


def test_quarter_by_type_hand_checked() -> None:
    q = issuance_by_quarter(_instruments())
    # 2024Q4: convertibles MARA 1,000 + 925, RIOT 525, CLSK 650, WULF 500, IREN 400, CORZ 625, BTDR 360,
    # APLD 450 = 5,435M; asset-backed: MARA's 200M BTC line
    assert q["2024Q4"][IssuanceCategory.CONVERTIBLE] == pytest.approx(5_435e6)
    assert q["2024Q4"][IssuanceCategory.ASSET_BACKED] == pytest.approx(200e6)
    assert q["2024Q4"][IssuanceCategory.SECURED] == 0.0
    # 2025Q4 secured: CIFR 1,400 + 333, WULF 3,200, APLD 2,350 = 7,283M
    assert q["2025Q4"][IssuanceCategory.SECURED] == pytest.approx(7_283e6)


# Each reported figure, what the instrument data says about it, and why (see docs/capital.md).
EXPECTED = {
    # TheMinerMag Q4-2024 record 4.6B (15 miners): miners here 5.185B (incl. greenshoes and MARA's BTC line)
    ("2024Q4", "debt_and_convertible_offerings"): "reproduced",
    # "under $200M" in Q1 2025: the dataset has no dated Q1-2025 new money
    ("2025Q1", "debt_and_convertible_offerings"): "consistent",
    # ~1.5B in Q2 2025: 1.94B with BTC-backed lines, 1.525B without (TheMinerMag does not count those lines)
    ("2025Q2", "debt_and_convertible_offerings"): "reproduced without BTC-backed lines",
    # Cipher + MARA + TeraWulf converts ~3.0B: 3.325B with greenshoes
    ("2025Q3", "convertible_offerings_subset"): "reproduced",
    # "as high as 6B": 3.725B in the dataset
    ("2025Q3", "debt_and_convertible_offerings"): "consistent",
    # ~0.5B "debt issuance" Q3 2024: the dataset has 1.11B (1.06B of it convertibles); definition unclear
    ("2024Q3", "debt_issuance"): "not reproduced",
    # 5.2B converts Jun-Dec 2024 (7 firms): 6.045B here, more issuers and greenshoes (+16 %)
    ("2024-06..2024-12", "convertible_offerings"): "not reproduced",
    # "since end of 2024" 6.3B: ambiguous window; the dataset has 16.7B Oct-2024..Oct-2025
    ("2024Q4..2025-10", "debt_and_convertible_offerings"): "not reproduced",
    # ~11B converts in the 12 months to Oct 2025: 11.95B
    ("2024-10..2025-10 (12 months)", "convertible_offerings"): "reproduced",
    # stock of debt: VanEck 12.7B vs CoinDesk 20B for the same month; the dataset has 20.3B / 19.2B
    ("2025-10 (stock)", "total_debt_outstanding"): {"12700000000.0": "not reproduced", "20000000000.0": "reproduced"},
    # >4B at end-2022: the dataset covers 2.08B (2021-22 private equipment loans are partly missing)
    ("2022 (year-end stock)", "total_debt_outstanding"): "not reproduced",
}


def test_every_reported_figure_has_a_stated_comparison() -> None:
    results = compare_reported(_instruments(), load_reported_issuance())
    assert len(results) == 22
    for r in results:
        key = (r.reported.period, r.reported.metric)
        if r.reported.metric in ("equity_issuance", "total_capital_raised"):
            assert r.status == "not covered" and r.ours_usd is None
            continue
        want = EXPECTED[key]
        if isinstance(want, dict):
            want = want[str(r.reported.value_usd)]
        assert r.status == want, (key, r.ours_usd, r.explanation)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_categories_partition_new_money(data: st.DataObject) -> None:
    # whatever subset of instruments, the four categories split each quarter's new money exactly
    instruments = _instruments()
    subset = data.draw(st.lists(st.sampled_from(instruments), unique_by=lambda i: i.id, max_size=40))
    by_q = issuance_by_quarter(subset)
    counted = [i for i in subset if i.in_scope_2021_2025 == "yes" and not i.exclude_from_totals
               and len(i.issue_period) == 6]
    assert sum(quarter_totals(by_q).values()) == pytest.approx(sum(i.new_money_usd or 0.0 for i in counted))
    for q, cats in by_q.items():
        assert set(cats) == {c.value for c in IssuanceCategory}
        assert cats["convertible"] == pytest.approx(sum(i.new_money_usd or 0.0 for i in counted
                                                        if i.issue_period == q
                                                        and i.instrument_type.value == "convertible"))
