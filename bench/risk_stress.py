"""Benchmark the stress engine: 1,000,000 paths x 60 months x 15 companies, in-process and on Dask.

Run:  .venv/bin/python bench/risk_stress.py [--paths N] [--skip-dask] [--no-record]

Figures: wall time, company-path-months per second, peak memory (resident set of this process, plus its
Dask workers when they run, sampled every 0.2 s), and the speed-up of two local Dask workers over one on
the same run.  The 1-minute load average is read before and after each run, since the 2 cores are shared.
Companies: MARA, RIOT, CLSK and BTDR from the shipped dataset, each as financed, under 2021-style ASIC
liens, and with a 10 % efficiency gain (12), plus MARA, RIOT and CLSK with a 20 % energy-cost cut (15).
The market uses the shipped calibration (jump model), so the figure does not depend on ../shared/data.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psutil
from bench.record import record

from hashstack.capital import load_public_miners
from hashstack.risk.adapters import from_capital
from hashstack.risk.cli import DEFAULT_AS_OF, dask_executor
from hashstack.risk.company import OperationsWhatIf, apply_what_if
from hashstack.risk.engine import StressConfig, restructure, run_stress
from hashstack.risk.history import shipped_market_calibration
from hashstack.risk.scenarios import market_params_from_calibration


def companies(market):  # type: ignore[no-untyped-def]
    miners = load_public_miners()
    base = [from_capital(miners[t], DEFAULT_AS_OF, market) for t in ("MARA", "RIOT", "CLSK", "BTDR")]
    out = []
    for c in base:
        out.append(c)
        out.append(replace(restructure(c, "asic-lien", market), ticker=f"{c.ticker}:lien"))
        out.append(replace(apply_what_if(c, OperationsWhatIf(efficiency_gain_frac=0.1)), ticker=f"{c.ticker}:eff10"))
    for c in base[:3]:
        out.append(replace(apply_what_if(c, OperationsWhatIf(energy_cost_cut_frac=0.2)), ticker=f"{c.ticker}:cut20"))
    return out


class PeakRss:
    """Peak summed RSS of this process and its children (Dask workers), sampled in a thread, and the CPU
    seconds they used (user + system, last sample per process)."""

    def __init__(self) -> None:
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(comps, market, cfg, workers: int):  # type: ignore[no-untyped-def]
    before = load1()
    with dask_executor(None, workers) as ex, PeakRss() as mem:
        if ex is not None:  # warm the workers (imports) outside the timing
            ex.submit(sum, [1, 2]).result()
        time.sleep(0.5)
        cpu0 = mem.cpu_s
        t0 = time.perf_counter()
        res = run_stress(comps, market, cfg, executor=ex)
        wall = time.perf_counter() - t0
        time.sleep(0.5)
        cpu = mem.cpu_s - cpu0
    return res, wall, mem.peak, before, load1(), cpu


def _previous_section() -> str:
    """The current text of this benchmark's section in docs/benchmarks.md (empty if none)."""
    from bench.record import DOC

    text = DOC.read_text() if DOC.exists() else ""
    start, end = "<!-- bench:risk_stress -->", "<!-- /bench:risk_stress -->"
    return text.split(start, 1)[1].split(end, 1)[0] if start in text and end in text else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--chunk-blocks", type=int, default=StressConfig.__dataclass_fields__["chunk_blocks"].default,
                    help="blocks per task (scheduling only; results do not change)")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    market = market_params_from_calibration(shipped_market_calibration())
    comps = companies(market)
    cfg = StressConfig(n_paths=args.paths, n_months=args.months, seed=1, chunk_blocks=args.chunk_blocks)
    cpm = args.paths * args.months * len(comps)
    rows = []
    res, wall, peak, lb, la, cpu = timed(comps, market, cfg, 0)
    rows.append(("in-process (1 core)", wall, peak, lb, la, cpu))
    print(f"in-process: {wall:.1f} s, {cpm / wall / 1e6:.1f} M company-path-months/s, peak {peak / 2**30:.2f} GiB, "
          f"load {lb:.2f} -> {la:.2f}, CPU {cpu:.1f} s", flush=True)
    pd_ = {s["ticker"]: s["p_default"] for s in res.summaries()}
    if not args.skip_dask:
        for workers in (1, 2):
            r2, wall, peak, lb, la, cpu = timed(comps, market, cfg, workers)
            same = all(np.array_equal(a.default_month, b.default_month)
                       and np.array_equal(a.dilution_frac, b.dilution_frac)
                       for a, b in zip(res.paths, r2.paths, strict=True))
            rows.append((f"Dask LocalCluster, {workers} worker{'s' if workers > 1 else ''}", wall, peak, lb, la,
                         cpu))
            print(f"dask {workers}: {wall:.1f} s, {cpm / wall / 1e6:.1f} M cpm/s, peak {peak / 2**30:.2f} GiB, "
                  f"load {lb:.2f} -> {la:.2f}, CPU {cpu:.1f} s, identical results: {same}", flush=True)
            if not same:
                raise SystemExit("Dask results differ from the in-process run")
    lines = [
        f"Command: `.venv/bin/python bench/risk_stress.py --paths {args.paths} --chunk-blocks {args.chunk_blocks}`"
        + (" --skip-dask" if args.skip_dask else ""),
        "",
        f"Workload: {args.paths:,} paths x {args.months} months x {len(comps)} companies = {cpm:,} company-path-months "
        f"(block {cfg.block_paths:,} paths, {cfg.chunk_blocks} blocks per task, float32). Market: shipped "
        "calibration, jump model. Results of every run are identical array for array.",
        "",
        "| run | wall [s] | company-path-months/s | CPU [s] (all processes) | CPU / wall | peak RSS [GiB] "
        "| load avg 1-min before -> after |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, wall, peak, lb, la, cpu in rows:
        lines.append(f"| {name} | {wall:.1f} | {cpm / wall / 1e6:.1f} M | {cpu:.1f} | {cpu / wall:.2f} | "
                     f"{peak / 2**30:.2f} | {lb:.2f} -> {la:.2f} |")
    if len(rows) == 3:
        one, two = rows[1], rows[2]
        lines += ["", f"Speed-up of 2 Dask workers over 1: **{one[1] / two[1]:.2f}x** (target >= 1.7x). "
                  f"Cores obtained per worker: {one[5] / one[1]:.2f} (1 worker) vs {two[5] / two[1] / 2:.2f} "
                  f"(2 workers); CPU seconds 2 workers / 1 worker = {two[5] / one[5]:.2f} (1.00 = splitting the "
                  "run adds no work), so the speed-up is the cores' share, not an artefact of the split."]
    lines += ["", f"On an idle core the in-process run would take about its CPU time, {rows[0][5]:.0f} s."]
    lines += ["", "CPU / wall is the number of cores the run actually got: 1.0 (in-process) or 2.0 (two workers) on an "
              "idle machine; less means other work took the cores (see the load average).",
              "", "Targets: under 60 s and under 8 GB for the full workload. P(default) by company in this run: "
              + ", ".join(f"{t} {p:.3f}" for t, p in pd_.items()) + "."]
    summary = (f"- run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {args.paths:,} paths: "
               + "; ".join(f"{name} {wall:.1f} s (load {lb:.1f}->{la:.1f}, {cpu / wall:.2f} cores)"
                           for name, wall, _peak, lb, la, cpu in rows)
               + (f"; speed-up {rows[1][1] / rows[2][1]:.2f}x" if len(rows) == 3 else "")
               + f"; peak {max(r[2] for r in rows) / 2**30:.2f} GiB")
    earlier = [ln for ln in _previous_section().splitlines() if ln.startswith("- run ")][:5]
    lines += ["", "All runs of this benchmark (newest first; the table above is the newest):", "", summary, *earlier]
    if not args.no_record:
        record("risk_stress", "## Stress engine (`bench/risk_stress.py`)\n\n" + "\n".join(lines))
    print("\n".join(lines))
    print("cpus", os.cpu_count())


if __name__ == "__main__":
    main()
