"""One full poll of a simulated fleet (simulator in another process): hashstack's poller vs pyasic's.

Usage: ``.venv/bin/python bench/telemetry_poll.py [--miners 5000] [--no-pyasic] [--no-record]``

The simulator runs as a subprocess (``hashstack sim fleet``) on 127.9.0.1, 127.9.0.2, ... port 4028.
hashstack polls every miner once (one ``+``-joined request per miner, bounded concurrency), three times;
then pyasic 0.79 reads the same fleet with its own bulk path (``MinerNetwork.from_list(...).scan()``,
then ``get_data`` per miner, gathered), once.  A miner counts as read when it yields a hash rate.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


async def hashstack_poll(addresses: list[str], concurrency: int, learned: dict[str, tuple[str, ...]]
                         ) -> tuple[float, int, int, float]:
    from hashstack.telemetry.parsing import commands_for_firmware
    from hashstack.telemetry.poller import PollerConfig, poll_fleet
    from hashstack.telemetry.power import tuning_curve_estimator
    from hashstack.telemetry.records import Target

    targets = [Target(a, 4028) for a in addresses]
    est = tuning_curve_estimator()
    c0, t0 = time.process_time(), time.perf_counter()
    samples = await poll_fleet(targets, PollerConfig(concurrency=concurrency, timeout_s=10.0), estimator=est,
                               commands_by_miner=learned)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    # as the collector does: later passes ask each miner only its firmware family's commands
    learned.update({s.miner_id: commands_for_firmware(s.firmware) for s in samples if s.ok and s.firmware})
    ok = sum(1 for s in samples if s.ok and s.hashrate_ths is not None)
    complete = sum(1 for s in samples if s.ok and not s.missing_fields)
    return dt, ok, complete, cpu


async def pyasic_poll(addresses: list[str], semaphore: int | None) -> tuple[float, float, int]:
    from pyasic import settings
    from pyasic.network import MinerNetwork

    settings.update("network_scan_semaphore", semaphore)
    t0 = time.perf_counter()
    found = await MinerNetwork.from_list(addresses).scan()  # pyasic's own identification
    t1 = time.perf_counter()
    sem = asyncio.Semaphore(semaphore or max(len(addresses), 1))

    async def read(m):  # type: ignore[no-untyped-def]
        async with sem:
            return await m.get_data()

    data = await asyncio.gather(*(read(m) for m in found), return_exceptions=True)
    t2 = time.perf_counter()
    ok = sum(1 for d in data if not isinstance(d, BaseException) and d.hashrate is not None)
    return t1 - t0, t2 - t1, ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--miners", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--no-pyasic", action="store_true")
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    from hashstack.telemetry.simulator.process import start_fleet_subprocess

    n = args.miners
    load_before = loadavg()
    print(f"starting {n} simulated miners (subprocess)...", flush=True)
    with start_fleet_subprocess(n, first_address="127.9.0.1", seed=1, model="Antminer S19j Pro") as fleet:
        addresses = list(fleet.addresses) if hasattr(fleet, "addresses") else []
        if not addresses:
            from hashstack.telemetry.simulator.server import address_range

            addresses = address_range("127.9.0.1", n)
        runs = []
        learned: dict[str, tuple[str, ...]] = {}
        for _ in range(3):
            runs.append(asyncio.run(hashstack_poll(addresses, args.concurrency, learned)))
            print(f"hashstack poll: {runs[-1][0]:.2f} s, {runs[-1][1]}/{n} read, {runs[-1][2]} complete, "
                  f"client CPU {runs[-1][3]:.2f} s", flush=True)
        load_mid = loadavg()
        py: list[tuple[int | None, tuple[float, float, int]]] = []
        if not args.no_pyasic:
            for sem in (None, 200):
                py.append((sem, asyncio.run(pyasic_poll(addresses, sem))))
                r = py[-1][1]
                print(f"pyasic (semaphore {sem}): identify {r[0]:.2f} s + get_data {r[1]:.2f} s, {r[2]}/{n} read",
                      flush=True)
    first, steady = runs[0], min(runs[1:], key=lambda r: r[0])
    rows = [f"| hashstack poller, first pass (all 9 commands, concurrency {args.concurrency}) | "
            f"{first[0]:.2f} s | {first[3]:.2f} s | {first[1]:,}/{n:,} | {first[2]:,} |",
            "| hashstack poller, steady state (LuxOS command set learned from pass 1), best of passes 2-3 | "
            f"{steady[0]:.2f} s | {steady[3]:.2f} s | {steady[1]:,}/{n:,} | {steady[2]:,} |",
            f"| hashstack poller, all 3 passes | {', '.join(f'{r[0]:.2f}' for r in runs)} s | "
            f"{', '.join(f'{r[3]:.2f}' for r in runs)} s | {', '.join(str(r[1]) for r in runs)} | |"]
    for sem, r in py:
        how = "unbounded (pyasic default)" if sem is None else f"`network_scan_semaphore={sem}`, get_data bounded alike"
        rows.append(f"| pyasic 0.79 `MinerNetwork.scan` + `get_data`, {how} | {r[0] + r[1]:.2f} s "
                    f"(identify {r[0]:.2f} + read {r[1]:.2f}) | - | {r[2]:,}/{n:,} | - |")
    if not py:
        rows.append("| pyasic 0.79 | not run (--no-pyasic) | | | |")
    md = "\n".join([
        f"### Full poll of {n:,} simulated miners (simulator in a separate process)",
        "",
        "Command: `.venv/bin/python bench/telemetry_poll.py --miners "
        f"{n}`. Simulator: `hashstack sim fleet` (LuxOS dialect, Antminer S19j Pro) on 127.9.0.1... port 4028, "
        "same machine. \"Read\" = sample with a hash rate; \"complete\" = no missing field. "
        "Target: < 5 s with every miner read.",
        "",
        "| client | wall time | client CPU time | miners read | complete samples |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"1-minute load average: {load_before} before, {load_mid} after the hashstack runs "
        "(other engineers share the 2 cores).",
    ])
    print(md)
    if not args.no_record:
        from bench.record import record

        record("telemetry_poll", md)


if __name__ == "__main__":
    main()
