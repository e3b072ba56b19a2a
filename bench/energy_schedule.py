"""Benchmark curtailment scheduling on ERCOT real-time prices for the example 50 MW site.

    .venv/bin/python bench/energy_schedule.py            # everything (~10-15 min on 2 shared cores)
    .venv/bin/python bench/energy_schedule.py --quick    # the timing run only (HB_WEST 2023)

Writes the ``energy_schedule`` section of docs/benchmarks.md:

* speed: one year of 15-minute intervals (HB_WEST 2023), every strategy, with the number of daily MILPs,
  the wall and CPU time and the 1-minute load average; peer in the same run: the vectorised
  breakeven-threshold rule over the same year;
* value: margin of always-on, the threshold rule, forecast + MILP + real-time layer, and perfect foresight,
  HB_WEST 2019-2023 and LZ_WEST 2023 (the only year the load-zone file covers), energy only, with the
  real-time layer acting on the last settled interval's price (lag 1, the default: what a controller knows);
* upper bound: the same with lag 0 (the real-time layer knows each interval's average price before it
  ends: look-ahead, not achievable);
* 4CP: the model's out-of-sample score by year, and June-September backtests with 4CP windows, margins net
  of the transmission charge.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import pandas as pd  # noqa: E402
from bench.record import record  # noqa: E402

from hashstack.config import Settings  # noqa: E402
from hashstack.energy.backtest import DEFAULT_LAG_INTERVALS, BacktestResult, run_backtest  # noqa: E402
from hashstack.energy.curtailment_inputs import fourcp_caps, read_backtest_inputs  # noqa: E402
from hashstack.energy.ercot import RTM_HUB_FILE, RTM_LZ_FILE  # noqa: E402
from hashstack.energy.ercot_load import FOURCP_FILE, LOAD_FILE, read_4cp_intervals, read_ercot_load  # noqa: E402
from hashstack.energy.fourcp import daily_features, out_of_sample_scores, value_per_mw_interval_usd  # noqa: E402
from hashstack.energy.power_curve import DEFAULT_LEVELS, scheduling_curve  # noqa: E402
from hashstack.energy.realtime import threshold_power_w  # noqa: E402
from hashstack.energy.schedule import OperatingLimits  # noqa: E402
from hashstack.fleet import read_site  # noqa: E402

SITE = ROOT / "examples" / "site.toml"
LIMITS = OperatingLimits(min_run_s=3600, min_idle_s=1800, restart_cost_usd_per_mw=20.0, min_on_power_w=5e6)


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def one(settings: Settings, node: str, start: str, end: str, *, lag: int = DEFAULT_LAG_INTERVALS,
        with_4cp: bool = False
        ) -> tuple[BacktestResult, dict[str, object]]:
    site = read_site(SITE)
    curve = scheduling_curve(site)
    path = settings.data_path(*(RTM_LZ_FILE if node.startswith("LZ_") else RTM_HUB_FILE))
    inputs = read_backtest_inputs(settings, path, node, start, end)
    caps: pd.Series | None = None
    actual: list[pd.Timestamp] = []
    notes: list[str] = []
    if with_4cp:
        caps, actual, notes = fourcp_caps(settings, pd.DatetimeIndex(inputs.price_usd_per_mwh.index),
                                          forecast_usd_per_mwh=inputs.forecast_usd_per_mwh,
                                          hashprice_usd_per_th_day=inputs.hashprice_usd_per_th_day, curve=curve,
                                          pool_fee_frac=site.pool_fee_frac)
    la0, w0, c0 = load1(), time.perf_counter(), time.process_time()
    res = run_backtest(inputs.price_usd_per_mwh, inputs.forecast_usd_per_mwh, inputs.hashprice_usd_per_th_day,
                       curve, LIMITS, pool_fee_frac=site.pool_fee_frac, lag_intervals=lag, fourcp_cap_w=caps,
                       fourcp_intervals_utc=actual)
    wall, cpu, la1 = time.perf_counter() - w0, time.process_time() - c0, load1()
    meta = {"forecast": inputs.forecast_name, "notes": inputs.notes + notes + list(res.notes), "wall_s": wall,
            "cpu_s": cpu, "load_before": la0, "load_after": la1}
    return res, meta


def value_rows(label: str, res: BacktestResult, meta: dict[str, object]) -> str:
    r = res.results
    a, t, f, p = r["always-on"], r["threshold"], r["forecast"], r["perfect"]
    return (f"| {label} | {meta['forecast']} | {a.margin.margin_usd / 1e6:.3f} | {t.margin.margin_usd / 1e6:.3f} | "
            f"{f.margin.margin_usd / 1e6:.3f} | {p.margin.margin_usd / 1e6:.3f} | {t.captured_frac_of_perfect:.1%} | "
            f"**{f.captured_frac_of_perfect:.1%}** | {a.avg_price_paid_usd_per_mwh:.2f} | "
            f"{f.avg_price_paid_usd_per_mwh:.2f} | "
            f"{a.avg_price_paid_usd_per_mwh - f.avg_price_paid_usd_per_mwh:.2f} | "
            f"{t.margin.starts}/{f.margin.starts}/{p.margin.starts} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only the timing run")
    args = ap.parse_args()
    settings = Settings(data_dir=Path(os.environ.get("HASHSTACK_DATA_DIR", ROOT.parent / "shared" / "data")))
    cmd = "`.venv/bin/python bench/energy_schedule.py" + (" --quick`" if args.quick else "`")
    lines = ["## Curtailment scheduling (`bench/energy_schedule.py`)", "", f"Command: {cmd}.", "",
             f"Site: `examples/site.toml` (50 MW cap; S21, S19j Pro, M60S, A1366; pool fee 2%), power curve: the "
             f"concave envelope of the power allocator's site power curve (`hashstack.power.site_power_curve`, "
             f"{DEFAULT_LEVELS} levels, 10 operating points per miner). Limits: minimum run 60 min, minimum idle "
             "30 min, restart 20 USD per MW brought back, the site counts as running above 5 MW. Hashprice: daily, "
             "from the shared network history (`hashstack.network.hashprice_history`); decisions use the "
             "previous day's, scoring the day's own.", ""]

    # ---- speed -------------------------------------------------------------------------------------
    site = read_site(SITE)
    curve = scheduling_curve(site)
    res, meta = one(settings, "HB_WEST", "2023-01-01", "2024-01-01")
    inputs = read_backtest_inputs(settings, settings.data_path(*RTM_HUB_FILE), "HB_WEST", "2023-01-01", "2024-01-01")
    w0 = time.perf_counter()
    threshold_power_w(inputs.price_usd_per_mwh.to_numpy(), 0.07, curve, LIMITS, lag_intervals=DEFAULT_LAG_INTERVALS)
    peer = time.perf_counter() - w0
    n_milp = 2 * res.n_days
    lines += ["### Speed: one year of 15-minute intervals", "",
              "| run | intervals | daily MILPs | wall s | CPU s | load avg (1 min) before / after |",
              "|---|---|---|---|---|---|",
              f"| HB_WEST 2023, lag 1, all four strategies (forecast and perfect: rolling daily MILPs, 12 h "
              f"lookahead) | "
              f"{res.n_intervals} | {n_milp} | **{meta['wall_s']:.1f}** | {meta['cpu_s']:.1f} | "
              f"{meta['load_before']:.2f} / {meta['load_after']:.2f} |",
              f"| peer: breakeven-threshold rule alone, same year | {res.n_intervals} | 0 | {peer:.2f} | - | - |",
              "", "CPU time is this process's; the wall time depends on how busy the shared cores were (load "
              "average above). Days on which running flat out is every interval's own optimum skip the solver.", ""]
    if args.quick:
        record("energy_schedule", "\n".join(lines))
        print("\n".join(lines))
        return

    # ---- value -------------------------------------------------------------------------------------
    header = ["| node, year | forecast | always-on M USD | threshold M USD | forecast+MILP M USD | perfect M USD | "
              "threshold captured | forecast captured | always-on USD/MWh | forecast USD/MWh | cost reduction "
              "USD/MWh | starts thr/fc/pf |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += ["### Value against perfect foresight (energy only), lag 1", "",
              "Captured = (margin - always-on) / (perfect - always-on). Forecast: ERCOT's day-ahead price for "
              "the node where the shared day-ahead file covers the year (2021-2023), else persistence (the same "
              "local time the day before). The real-time layer and the threshold rule act on the last settled "
              "15-minute interval's price (lag 1, the default): an interval's settlement price is the average of "
              "its three 5-minute SCED prices and is known only when the interval ends.", "", *header]
    notes: list[str] = []
    runs = [("HB_WEST", y) for y in range(2019, 2024)] + [("LZ_WEST", 2023)]
    upper: list[str] = []
    for node, year in runs:
        if (node, year) == ("HB_WEST", 2023):
            r, m = res, meta
        else:
            r, m = one(settings, node, f"{year}-01-01", f"{year + 1}-01-01")
        lines.append(value_rows(f"{node} {year}", r, m))
        notes += [f"{node} {year}: {n}" for n in m["notes"]]  # type: ignore[attr-defined]
        print(lines[-1], flush=True)
        r0, m0 = one(settings, node, f"{year}-01-01", f"{year + 1}-01-01", lag=0)
        upper.append(value_rows(f"{node} {year}, lag 0", r0, m0))
        notes += [f"{node} {year} lag 0: {n}" for n in m0["notes"]  # type: ignore[attr-defined]
                  if "perfect foresight" in str(n)]
        print(upper[-1], flush=True)
    lines += ["", "LZ_WEST real-time prices exist in the shared data for 2023 only (the load-zone file starts "
              "2023-01-01); each LZ value is the mean of ERCOT's LZ and LZEW rows (see its PROVENANCE).", ""]
    lines += ["### Upper bound: lag 0 (look-ahead, not achievable)", "",
              "The same runs with the real-time layer and the threshold rule acting on each interval's own "
              "settlement price, which is known only when the interval ends. These figures bound what a faster "
              "controller could do; they are not results.", "", *header, *upper, ""]

    # ---- 4CP ---------------------------------------------------------------------------------------
    load = read_ercot_load(settings.data_path(*LOAD_FILE))
    intervals = read_4cp_intervals(settings.data_path(*FOURCP_FILE))
    feats = daily_features(load)
    v = value_per_mw_interval_usd()
    lines += ["### ERCOT 4CP model, out of sample (each summer from a model fitted on the earlier ones)", "",
              f"Value of one MW kept off one 4CP interval: {v:,.0f} USD (66.756998 USD/kW-yr / 4, 2024 rate, "
              "PUCT Docket 56050). 2021 intervals are ERCOT's D&E monthly peaks (no official list found).", "",
              "| threshold | summers | intervals avoided | mean hours curtailed / yr | avoided value per curtailed "
              "MWh (USD) |", "|---|---|---|---|---|"]
    years = list(range(2012, 2024))
    for thr in (0.004, 0.01, 0.05, 0.2):
        sc, _, _ = out_of_sample_scores(feats, intervals, years, threshold=thr)
        avoided = sum(s.intervals_avoided for s in sc)
        hours = sum(s.hours_curtailed for s in sc) / len(sc)
        lines.append(f"| {thr} | {years[0]}-{years[-1]} | {avoided} / {4 * len(sc)} | {hours:.1f} | "
                     f"{avoided * v / (hours * len(sc)):,.0f} |")
    lines += ["", "June-September backtests with the 4CP program (lag 1): a day's window is flagged when its "
              "probability clears the break-even threshold, the margin curtailing the window would lose (site "
              "breakeven at the previous day's hashprice minus the forecast price in the window) over 16,689 USD "
              "per MW-interval times the share of training intervals the window holds. Margins are net of the "
              "transmission charge the site's load in the four intervals sets, at the rate of the billing year "
              "that summer sets (the data hold 2024-2026; earlier summers use the 2024 rate, see the notes; 50 MW "
              "always-on: 3.34 M USD a year at 2024's); perfect foresight curtails exactly the four intervals.",
              "",
              "| summer | always-on net M USD | threshold net M USD | forecast net M USD | perfect net M USD | "
              "forecast MW in 4CP intervals | forecast captured |", "|---|---|---|---|---|---|---|"]
    for year in range(2019, 2024):
        r, m = one(settings, "HB_WEST", f"{year}-06-01", f"{year}-10-01", with_4cp=True)
        x = r.results
        lines.append(f"| HB_WEST {year} | {x['always-on'].net_margin_usd / 1e6:.3f} | "
                     f"{x['threshold'].net_margin_usd / 1e6:.3f} | {x['forecast'].net_margin_usd / 1e6:.3f} | "
                     f"{x['perfect'].net_margin_usd / 1e6:.3f} | {x['forecast'].fourcp_mw_avg:.1f} | "
                     f"{x['forecast'].captured_frac_of_perfect:.1%} |")
        notes += [f"4CP summer {year}: {n}" for n in m["notes"]  # type: ignore[attr-defined]
                  if "hashprice carried" not in str(n)]
        print(lines[-1], flush=True)
    if notes:
        lines += ["", "Notes: " + "; ".join(sorted(set(notes)))]
    record("energy_schedule", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
