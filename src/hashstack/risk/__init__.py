"""Monte Carlo stress engine for Bitcoin miners' capital structures.

Market scenarios (:mod:`.scenarios`, calibrated by :mod:`.calibration` from the history read in
:mod:`.history`), a company's monthly cash-flow waterfall (:mod:`.waterfall`) and the chunked, seeded
engine (:mod:`.engine`).  See ``docs/risk.md``.
"""

from hashstack.risk.calibration import MarketCalibration, calibrate_market
from hashstack.risk.company import (
    AsicLoan,
    BtcLoan,
    CompanyRiskInput,
    ConvertibleNote,
    OperationsWhatIf,
    TermDebt,
    apply_what_if,
    asic_lien_stack,
)
from hashstack.risk.engine import StressConfig, StressResult, run_stress, summarise
from hashstack.risk.scenarios import (
    MarketParams,
    MarketScenarios,
    market_params_from_calibration,
    simulate_market,
)
from hashstack.risk.waterfall import CompanyPaths, FundingPolicy, simulate_company

__all__ = [
    "AsicLoan", "BtcLoan", "CompanyPaths", "CompanyRiskInput", "ConvertibleNote", "FundingPolicy",
    "MarketCalibration", "MarketParams", "MarketScenarios", "OperationsWhatIf", "StressConfig",
    "StressResult", "TermDebt", "apply_what_if", "asic_lien_stack", "calibrate_market",
    "market_params_from_calibration", "run_stress", "simulate_company", "simulate_market", "summarise",
]
