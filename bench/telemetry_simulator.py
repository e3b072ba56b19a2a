"""How much a simulated fleet costs: start-up, model step, and the simulator's CPU per request.

Usage: ``.venv/bin/python bench/telemetry_simulator.py [--miners 5000] [--no-record]``

1. Model: one ``FleetModel.step`` of 5000 miners (1 s and 60 s simulated), in process.
2. Server: ``hashstack sim fleet`` as a subprocess on 127.60.0.1...; time until the ready line (every
   listener bound); then three full polls of every miner with a minimal asyncio client (one
   ``summary+devs+stats+pools`` request per miner, 500 in flight), measuring wall time, the client's
   CPU and the simulator process's CPU (``/proc/<pid>/stat``).
3. Peer, same run: pyasic 0.79 ``get_miner`` + ``get_data`` on the first 200 miners of the same fleet.

The machine is shared: the 1-minute load average is printed with each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REQUEST = b'{"command":"summary+devs+stats+pools"}'


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Reply(asyncio.Protocol):
    def __init__(self, fut: asyncio.Future[bytes]) -> None:
        self.fut, self.buf = fut, b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(REQUEST)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.buf += data

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.fut.done():
            self.fut.set_result(self.buf)


async def _one(addr: str, sem: asyncio.Semaphore) -> bool:
    async with sem:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()
        await loop.create_connection(lambda: _Reply(fut), addr, 4028)
        data = await asyncio.wait_for(fut, 30)
        reply = json.loads(data.rstrip(b"\x00"))
        return reply["stats"][0]["STATS"][1]["total_acn"] > 0


async def poll(addresses: list[str], concurrency: int = 500) -> int:
    sem = asyncio.Semaphore(concurrency)
    res = await asyncio.gather(*(_one(a, sem) for a in addresses), return_exceptions=True)
    return sum(1 for r in res if r is True)


async def pyasic_read(addresses: list[str]) -> int:
    import pyasic

    miners = await asyncio.gather(*(pyasic.get_miner(a) for a in addresses))
    data = await asyncio.gather(*(m.get_data() for m in miners if m is not None), return_exceptions=True)
    return sum(1 for d in data if not isinstance(d, BaseException) and d.hashrate is not None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--miners", type=int, default=5000)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    n = args.miners
    from hashstack.telemetry.simulator.fleet_model import FleetModel
    from hashstack.telemetry.simulator.process import specs_for, start_fleet_subprocess

    specs = specs_for(n, model="Antminer S21")
    t0 = time.perf_counter()
    model = FleetModel(specs, seed=1, start_ts_utc_s=1_767_225_600.0)
    build_s = time.perf_counter() - t0
    steps = {}
    for dt in (1.0, 60.0):
        t0 = time.perf_counter()
        for _ in range(10):
            model.step(dt)
        steps[dt] = (time.perf_counter() - t0) / 10
    print(f"model: build {build_s:.2f} s, step 1 s {steps[1.0] * 1e3:.1f} ms, step 60 s {steps[60.0] * 1e3:.1f} ms "
          f"(load {loadavg():.1f})", flush=True)

    t0 = time.perf_counter()
    with start_fleet_subprocess(n, "127.60.0.1", seed=1, speed=1.0, model="Antminer S21") as fleet:
        ready_s = time.perf_counter() - t0
        print(f"server: {n} listeners ready in {ready_s:.2f} s", flush=True)
        runs = []
        for _ in range(3):
            load = loadavg()
            s0, c0, w0 = proc_cpu_s(fleet.pid), time.process_time(), time.perf_counter()
            ok = asyncio.run(poll(fleet.addresses))
            wall, client_cpu = time.perf_counter() - w0, time.process_time() - c0
            server_cpu = proc_cpu_s(fleet.pid) - s0
            runs.append((wall, ok, client_cpu, server_cpu, load))
            print(f"poll: {wall:.2f} s wall, {ok}/{n} read, client CPU {client_cpu:.2f} s, simulator CPU "
                  f"{server_cpu:.2f} s ({server_cpu / n * 1e6:.0f} us/request), load {load:.1f}", flush=True)
        k = min(200, n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load = loadavg()
            s0, w0 = proc_cpu_s(fleet.pid), time.perf_counter()
            py_ok = asyncio.run(pyasic_read(fleet.addresses[:k]))
            py_wall, py_server = time.perf_counter() - w0, proc_cpu_s(fleet.pid) - s0
        print(f"pyasic peer: {k} miners identified + read in {py_wall:.2f} s ({py_ok} read), simulator CPU "
              f"{py_server:.2f} s, load {load:.1f}", flush=True)

    best = min(runs)
    md = "\n".join([
        "## Fleet simulator (`hashstack sim fleet`)", "",
        f"Command: `.venv/bin/python bench/telemetry_simulator.py --miners {n}` (all Antminer S21, LuxOS dialect).", "",
        "| figure | value |", "|---|---|",
        f"| model build, {n} miners | {build_s:.2f} s |",
        f"| model step, 1 s simulated | {steps[1.0] * 1e3:.1f} ms |",
        f"| model step, 60 s simulated | {steps[60.0] * 1e3:.1f} ms |",
        f"| subprocess ready (every listener bound) | {ready_s:.2f} s |",
        *[f"| full poll {i + 1} (`summary+devs+stats+pools`, 500 in flight) | {w:.2f} s wall, {ok}/{n} read, "
          f"simulator CPU {sc:.2f} s ({sc / n * 1e6:.0f} us/request), client CPU {cc:.2f} s, load {ld:.1f} |"
          for i, (w, ok, cc, sc, ld) in enumerate(runs)],
        f"| peer: pyasic 0.79 `get_miner` + `get_data`, {k} miners of the same fleet | {py_wall:.2f} s wall, "
        f"{py_ok}/{k} read, simulator CPU {py_server:.2f} s, load {load:.1f} |", "",
        f"Best full poll: {best[0]:.2f} s. The simulator's CPU per request is the figure that does not depend on "
        "the machine's other load; on this 2-core machine shared with other jobs (load in the table) the wall "
        "time is mostly waiting for a core.",
    ])
    if not args.no_record:
        from bench.record import record

        record("telemetry_simulator", md)
        print("recorded in docs/benchmarks.md")


if __name__ == "__main__":
    main()
