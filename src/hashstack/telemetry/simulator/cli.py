"""``hashstack sim``: simulated hardware. ``hashstack sim fleet`` serves virtual miners on loopback."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hashstack.console import print_record
from hashstack.errors import InputError
from hashstack.telemetry.simulator.access import DEFAULT_API_ALLOW
from hashstack.telemetry.simulator.failures import FailureSettings
from hashstack.telemetry.simulator.physics import AmbientProfile
from hashstack.telemetry.simulator.process import serve_forever, site_utc_offset_h, specs_for
from hashstack.telemetry.simulator.server import FleetConfig, FleetServer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
# (same alias as hashstack.cli.JsonFlag; not imported from there so `python -m hashstack.cli` has no cycle)

app = typer.Typer(help="Simulated hardware: a CGMiner-API (LuxOS dialect) fleet on loopback.", no_args_is_help=True)


@app.callback()
def _sim() -> None:
    """Simulated hardware: a CGMiner-API (LuxOS dialect) fleet on loopback."""


def _parse_start(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--start {text!r} is not an ISO-8601 time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


@app.command("fleet")
def fleet(
    miners: Annotated[int, typer.Option("--miners", help="Number of virtual miners.")],
    site: Annotated[Path | None, typer.Option(
        "--site", help="Site TOML: its model mix is apportioned to --miners.")] = None,
    first_address: Annotated[str, typer.Option(
        "--first-address", help="Address of the first miner (loopback).")] = "127.1.0.1",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    speed: Annotated[float, typer.Option("--speed", help="Simulated seconds per wall-clock second.")] = 1.0,
    model: Annotated[str, typer.Option("--model", help="Catalogue model when no --site is given.")] = "Antminer S21",
    port: Annotated[int, typer.Option("--port", help="API port of every miner.")] = 4028,
    precursor_strength: Annotated[float, typer.Option(
        help="0: failures without warning ... 1: strong precursors.")] = 0.6,
    failure_acceleration: Annotated[float, typer.Option(help="Multiplies every ageing rate (1 = realistic).")] = 1.0,
    ground_truth: Annotated[Path | None, typer.Option(
        "--ground-truth", help="Append failure records to this JSONL file.")] = None,
    api_allow: Annotated[str, typer.Option(
        "--api-allow", help="cgminer-style access rules; W: = privileged.")] = DEFAULT_API_ALLOW,
    start: Annotated[str | None, typer.Option(
        "--start", help="Simulated start time (ISO 8601, UTC); default now.")] = None,
    ambient_mean_c: Annotated[float, typer.Option(help="Daily mean inlet temperature [C].")] = 25.0,
    ambient_amplitude_c: Annotated[float, typer.Option(help="Half the daily inlet swing [C].")] = 7.0,
    tick: Annotated[float, typer.Option("--tick", help="Wall seconds between model steps.")] = 1.0,
    json_out: JsonFlag = False,
) -> None:
    """Serve N virtual LuxOS miners on 127.1.0.1, 127.1.0.2, ... port 4028 until Ctrl-C / SIGTERM."""
    start_ts = _parse_start(start)
    at = start_ts if start_ts is not None else datetime.now(UTC).timestamp()
    config = FleetConfig(
        specs=specs_for(miners, model=model, site=site), first_address=first_address, port=port, seed=seed,
        speed=speed, tick_s=tick, start_ts_utc_s=start_ts, api_allow=api_allow,
        ambient=AmbientProfile(mean_c=ambient_mean_c, daily_amplitude_c=ambient_amplitude_c,
                               utc_offset_h=site_utc_offset_h(site, at)),
        failures=FailureSettings(precursor_strength=precursor_strength, acceleration=failure_acceleration),
        ground_truth_path=ground_truth,
    )

    def ready(server: FleetServer) -> None:
        info = {"event": "ready", **server.summary(), "speed": speed, "seed": seed}
        if json_out:
            print(json.dumps(info), flush=True)
        else:
            print_record({"miners": info["n_miners"], "addresses": f"{info['first_address']} - {info['last_address']}",
                          "port": port, "speed": speed, "seed": seed, "dialect": "LuxOS (CGMiner API)"},
                         title="simulated fleet serving (Ctrl-C to stop)")
            sys.stdout.flush()

    summary = asyncio.run(serve_forever(config, ready))
    if json_out:
        print(json.dumps({"event": "stopped", **summary}), flush=True)
    else:
        print_record(summary, title="simulated fleet stopped")


@app.command("history")
def history(
    miners: Annotated[int, typer.Option("--miners", help="Number of simulated miners.")],
    days: Annotated[float, typer.Option("--days", help="Simulated span [days].")],
    out: Annotated[Path, typer.Option("--out", help="Folder for telemetry.csv.gz, failures.csv, degrading.csv.")],
    site: Annotated[Path | None, typer.Option("--site", help="Site TOML: model mix and time zone.")] = None,
    model: Annotated[str, typer.Option("--model", help="Catalogue model when no --site is given.")] = "Antminer S21",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    sample_every_s: Annotated[float, typer.Option("--sample-every-s", help="Sampling interval [s].")] = 3600.0,
    precursor_strength: Annotated[float, typer.Option(help="0: no warning ... 1: strong precursors.")] = 0.6,
    failure_acceleration: Annotated[float, typer.Option(help="Multiplies every ageing rate.")] = 1.0,
    start: Annotated[str | None, typer.Option("--start", help="Simulated start (ISO 8601 UTC).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Simulate a fleet offline (no sockets) and write its telemetry and ground truth for model training."""
    from rich.progress import Progress

    from hashstack.telemetry.simulator.history import simulate_history

    start_ts = _parse_start(start) or 1_767_225_600.0
    specs = specs_for(miners, model=model, site=site)
    ambient = AmbientProfile(utc_offset_h=site_utc_offset_h(site, start_ts))
    failures = FailureSettings(precursor_strength=precursor_strength, acceleration=failure_acceleration)
    with Progress(transient=True, disable=json_out) as bar:
        task = bar.add_task("simulating", total=None)
        hist = simulate_history(specs, days=days, sample_every_s=sample_every_s, seed=seed, start_ts_utc_s=start_ts,
                                ambient=ambient, failures=failures,
                                on_progress=lambda k, n: bar.update(task, completed=k, total=n))
    out.mkdir(parents=True, exist_ok=True)
    hist.telemetry.to_csv(out / "telemetry.csv.gz", index=False)
    hist.failures.to_csv(out / "failures.csv", index=False)
    hist.degrading_at_end.to_csv(out / "degrading.csv", index=False)
    counts = hist.failures["component"].value_counts().to_dict() if not hist.failures.empty else {}
    summary = {"miners": miners, "days": days, "telemetry_rows": len(hist.telemetry),
               "failures": len(hist.failures), **{f"failures_{k}": int(v) for k, v in counts.items()},
               "degrading_at_end": len(hist.degrading_at_end), "out": str(out)}
    if json_out:
        print(json.dumps(summary))
    else:
        print_record(summary, title="simulated fleet history")


def main() -> None:
    """Entry point of ``python -m hashstack.telemetry.simulator`` (what the subprocess API runs).

    Same contract as ``hashstack sim``: hashstack errors become one line on stderr and exit code 2.
    Running the simulator without the root CLI keeps its start-up independent of every other sub-app.
    """
    from rich.markup import escape

    from hashstack.console import stderr
    from hashstack.errors import HashstackError

    try:
        app()
    except HashstackError as exc:
        stderr.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
