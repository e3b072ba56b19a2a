"""Start and stop a simulated fleet: in this process (a background thread) or as a subprocess.

Both handles expose ``.addresses`` (the miners' IPv4 addresses, in order), ``.port`` and ``.stop()``
and are context managers. Both return only once every listener is bound (ready-signalled), so callers
never sleep-poll.

- :func:`start_fleet_thread` runs the asyncio server in a daemon thread of the calling process; the
  model is reachable as ``handle.server.model`` (for tests).
- :func:`start_fleet_subprocess` runs ``python -m hashstack.telemetry.simulator fleet --json ...``
  (the same command as ``hashstack sim fleet``) and waits for its
  ``{"event": "ready", ...}`` line; use it for load tests, where the simulator must not share the
  client's interpreter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from hashstack.errors import HashstackError, InputError
from hashstack.telemetry.simulator.server import FleetConfig, FleetServer

READY_TIMEOUT_S = 120.0


def specs_for(n_miners: int, model: str = "Antminer S21", site: str | Path | None = None) -> list:
    """``n_miners`` specs: all ``model``, or the site's model mix apportioned to ``n_miners``.

    With a site, each group gets ``n_miners * count / total`` machines (largest remainders first), in
    the site's group order, at the group's ``tuning_frac``.
    """
    from hashstack.telemetry.simulator.specs import spec_from_catalog

    if n_miners < 1:
        raise InputError(f"--miners must be >= 1, got {n_miners}")
    if site is None:
        spec = spec_from_catalog(model)
        return [spec] * n_miners
    from hashstack.fleet import read_site

    s = read_site(site)
    total = sum(g.count for g in s.miners)
    exact = [n_miners * g.count / total for g in s.miners]
    counts = [int(x) for x in exact]
    for k in sorted(range(len(exact)), key=lambda k: exact[k] - counts[k], reverse=True)[: n_miners - sum(counts)]:
        counts[k] += 1
    out = []
    for g, c in zip(s.miners, counts, strict=True):
        if c:
            out.extend([spec_from_catalog(g.model, tuning_frac=g.tuning_frac)] * c)
    return out


def site_utc_offset_h(site: str | Path | None, at_ts_utc_s: float) -> float:
    """UTC offset of the site's time zone at a moment [h] (0 without a site); places the daily peak."""
    if site is None:
        return 0.0
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from hashstack.fleet import read_site

    tz = read_site(site).location.timezone
    try:
        off = ZoneInfo(tz).utcoffset(datetime.fromtimestamp(at_ts_utc_s, UTC))
    except ZoneInfoNotFoundError:
        raise InputError(f"{site}: unknown time zone {tz!r}") from None
    return off.total_seconds() / 3600.0 if off is not None else 0.0


async def serve_forever(config: FleetConfig, on_ready: Callable[[FleetServer], None],
                        stop: asyncio.Event | None = None) -> dict[str, Any]:
    """Start a :class:`FleetServer`, call ``on_ready``, tick until ``stop`` (or SIGINT/SIGTERM)."""
    server = FleetServer(config)
    await server.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    try:
        on_ready(server)
        await server.run_until(stop)
    finally:
        await server.close()
    return server.summary()


class FleetThread:
    """A fleet served from a daemon thread of this process (see :func:`start_fleet_thread`)."""

    def __init__(self, config: FleetConfig) -> None:
        self._config = config
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.server: FleetServer | None = None
        self.summary: dict[str, Any] | None = None
        self._thread = threading.Thread(target=self._run, name="hashstack-sim-fleet", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()

            def ready(server: FleetServer) -> None:
                self.server = server
                self._ready.set()

            self.summary = await serve_forever(self._config, ready, self._stop)

        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to the caller of start()
            self._error = exc
            self._ready.set()

    def start(self, timeout_s: float = READY_TIMEOUT_S) -> FleetThread:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise HashstackError(f"simulated fleet not ready after {timeout_s} s")
        if self._error is not None:
            raise self._error
        return self

    @property
    def addresses(self) -> list[str]:
        assert self.server is not None
        return self.server.addresses

    @property
    def port(self) -> int:
        return self._config.port

    def stop(self) -> None:
        """Stop ticking, close every listener and join the thread."""
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def __enter__(self) -> FleetThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_fleet_thread(config: FleetConfig) -> FleetThread:
    """Serve ``config`` from a background thread; returns once every listener is bound."""
    return FleetThread(config).start()


class FleetProcess:
    """A fleet served by a child process (see :func:`start_fleet_subprocess`)."""

    def __init__(self, proc: subprocess.Popen[str], ready: dict[str, Any]) -> None:
        self.proc = proc
        self.ready = ready
        self.addresses: list[str] = _expand(ready["first_address"], int(ready["n_miners"]))
        self.port = int(ready["port"])
        self.summary: dict[str, Any] | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout_s: float = 30.0) -> dict[str, Any] | None:
        """SIGTERM the child, wait for it, return its final summary (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                out, _ = self.proc.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
                return None
            for line in out.splitlines():
                with contextlib.suppress(ValueError):
                    obj = json.loads(line)
                    if obj.get("event") == "stopped":
                        self.summary = obj
        return self.summary

    def __enter__(self) -> FleetProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _expand(first: str, n: int) -> list[str]:
    from hashstack.telemetry.simulator.server import address_range

    return address_range(first, n)


def start_fleet_subprocess(n_miners: int, first_address: str = "127.1.0.1", seed: int = 0, speed: float = 1.0,
                           *, model: str | None = None, site: str | Path | None = None, port: int = 4028,
                           precursor_strength: float | None = None, failure_acceleration: float | None = None,
                           ground_truth_path: str | Path | None = None, api_allow: str | None = None,
                           start_utc: str | None = None, extra_args: Sequence[str] = (),
                           timeout_s: float = READY_TIMEOUT_S) -> FleetProcess:
    """Run ``hashstack sim fleet`` in a child process and return once it is serving.

    Parameters mirror the CLI options. Raises :class:`HashstackError` with the child's stderr if it
    exits before it is ready or is not ready within ``timeout_s``.
    """
    cmd = [sys.executable, "-m", "hashstack.telemetry.simulator", "fleet", "--json",
           "--miners", str(n_miners), "--first-address", first_address, "--seed", str(seed),
           "--speed", str(speed), "--port", str(port)]
    for flag, value in (("--model", model), ("--site", site), ("--precursor-strength", precursor_strength),
                        ("--failure-acceleration", failure_acceleration), ("--ground-truth", ground_truth_path),
                        ("--api-allow", api_allow), ("--start", start_utc)):
        if value is not None:
            cmd += [flag, str(value)]
    cmd += list(extra_args)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    errfile = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty child never blocks
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile, text=True, env=env)
    assert proc.stdout is not None

    def child_stderr() -> str:
        proc.wait()
        errfile.seek(0)
        return errfile.read().strip()[-2000:]

    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            raise HashstackError(f"simulated fleet not ready after {timeout_s} s: {child_stderr()}")
        ready_fds, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
        if ready_fds:
            line = proc.stdout.readline()
            if not line:  # EOF: the child exited
                err = child_stderr()
                raise HashstackError(f"simulated fleet exited (code {proc.returncode}): {err}")
            with contextlib.suppress(ValueError):
                obj = json.loads(line)
                if obj.get("event") == "ready":
                    return FleetProcess(proc, obj)
