"""``hashstack collect`` (poll miners into the store) and ``hashstack control`` (power target, sleep, wake)."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hashstack.cli_context import JsonFlag, settings_of
from hashstack.console import print_json, print_record, print_table, stdout
from hashstack.errors import InputError
from hashstack.telemetry.records import PollSummary, Target

if TYPE_CHECKING:
    from hashstack.telemetry.collector import Collector

RangeOpt = Annotated[str | None, typer.Option("--range", help="Addresses: 127.1.0.1-127.1.0.200, a CIDR, or one.")]
TargetsOpt = Annotated[Path | None, typer.Option("--targets", help="Targets file: one address/range per line.")]


def _targets(range_: str | None, targets_file: Path | None) -> list[Target]:
    from hashstack.telemetry.targets import parse_range, read_targets

    if (range_ is None) == (targets_file is None):
        raise InputError("give exactly one of --range or --targets")
    return parse_range(range_) if range_ is not None else read_targets(targets_file)  # type: ignore[arg-type]


def _summary_dict(s: PollSummary, db: str) -> dict[str, Any]:
    return {"poll_id": s.poll_id, "started_utc": s.started_utc, "miners_ok": s.miners_ok,
            "miners_failed": s.miners_failed, "miners_skipped": s.miners_skipped,
            "duration_s": round(s.duration_s, 4), "rows_written": s.rows_written, "db": db}


def collect(
    ctx: typer.Context,
    range_: RangeOpt = None,
    targets: TargetsOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between poll starts.", min=0.05)] = 60.0,
    db: Annotated[str | None, typer.Option("--db", help="DuckDB file or postgresql:// URL (default HASHSTACK_DB).")
                  ] = None,
    concurrency: Annotated[int, typer.Option(help="Miners in flight at once.", min=1)] = 256,
    timeout: Annotated[float, typer.Option("--timeout", help="Budget per miner, in seconds.", min=0.05)] = 3.0,
    meter: Annotated[Path | None, typer.Option(help="CSV miner_id,power_w from a meter/PDU (overrides power).")
                     ] = None,
    max_polls: Annotated[int | None, typer.Option(help="Stop after this many polls.", min=1)] = None,
    keep_raw_days: Annotated[float, typer.Option(help="Keep raw samples this many days.", min=0.01)] = 7.0,
    keep_rollup_days: Annotated[float, typer.Option(help="Keep 5-minute roll-ups this many days.", min=0.01)
                                ] = 365.0,
    ground_truth: Annotated[Path | None, typer.Option(
        "--ground-truth", help="Simulator ground-truth JSONL to import into the failures table.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Poll miners over the CGMiner RPC API and write one sample per miner per poll to the store.

    Every poll is committed in one transaction before it is reported, so a killed collector loses no
    reported poll, and a restarted one carries on at the next poll id.
    """
    from hashstack.store import RetentionPolicy, open_store
    from hashstack.telemetry.collector import Collector
    from hashstack.telemetry.poller import PollerConfig
    from hashstack.telemetry.power import tuning_curve_estimator

    settings = settings_of(ctx)
    tlist = _targets(range_, targets)
    db_target = db or str(settings.db_path)
    store = open_store(db_target)
    try:
        collector = Collector(store, tlist, PollerConfig(concurrency=concurrency, timeout_s=timeout),
                              estimator=tuning_curve_estimator(), meter_path=meter, ground_truth_path=ground_truth,
                              retention=RetentionPolicy(keep_raw_days, keep_rollup_days))
        if once:
            from datetime import timedelta

            summary = asyncio.run(_poll_once_with_progress(collector, len(tlist), quiet=json_out))
            polled = store.read_samples(summary.started_utc, summary.started_utc + timedelta(microseconds=1))
            polled = polled[polled.poll_id == summary.poll_id]
            good = polled[polled.ok.astype(bool)]
            result = _summary_dict(summary, db_target) | {
                "fleet_hashrate_ths": round(float(good.hashrate_ths.sum()), 3),
                "fleet_power_w": round(float(good.power_w.sum()), 1),
                "power_sources": {str(k): int(v) for k, v in good.power_source.value_counts().items()},
                "miners_without_power": int(good.power_w.isna().sum()),
            }
            if json_out:
                print_json(result)
                return
            print_record(result, title="collect: one poll")
            failed = polled[~polled.ok.astype(bool)]
            if len(failed):
                print_table([{"miner_id": str(m), "error": str(e)} for m, e in
                             zip(failed.miner_id.head(20), failed.error.head(20), strict=True)],
                            title=f"failed miners (first 20 of {len(failed)})")
            return

        def report(s: PollSummary) -> None:
            d = _summary_dict(s, db_target)
            if json_out:
                sys.stdout.write(json.dumps(d, default=str) + "\n")
                sys.stdout.flush()
            else:
                stdout.print(f"poll {s.poll_id} committed: {s.miners_ok} ok, {s.miners_failed} failed, "
                             f"{s.miners_skipped} backing off, {s.duration_s:.2f} s")

        try:
            asyncio.run(collector.run(interval, max_polls=max_polls, on_poll=report))
        except KeyboardInterrupt:  # Ctrl-C between or during polls: every reported poll is committed
            if not json_out:
                stdout.print("collector stopped", style="dim")
    finally:
        store.close()


async def _poll_once_with_progress(collector: Collector, n: int, quiet: bool) -> PollSummary:
    if quiet or n < 200:
        return await collector.poll_once(use_backoff=False)
    from rich.progress import Progress

    with Progress(console=stdout, transient=True) as progress:
        task = progress.add_task("polling", total=n)
        return await collector.poll_once(
            on_sample=lambda _s: progress.advance(task), use_backoff=False)


control_app = typer.Typer(help="Control miners (LuxOS dialect): power target, sleep, wake; every action audited.",
                          no_args_is_help=True)


def _control(ctx: typer.Context, range_: str | None, targets: Path | None, action: str, by: str | None,
             db: str | None, json_out: bool, power_target_w: float | None = None) -> None:
    from hashstack.store import open_store
    from hashstack.telemetry.control import control_miner

    tlist = _targets(range_, targets)
    who = by or getpass.getuser()

    async def run_all() -> list[Any]:
        sem = asyncio.Semaphore(64)

        async def one(t: Target) -> Any:
            async with sem:
                return await control_miner(t, action, who, power_target_w)

        return list(await asyncio.gather(*(one(t) for t in tlist)))

    actions = asyncio.run(run_all())
    db_target = db or str(settings_of(ctx).db_path)
    with open_store(db_target) as store:
        for a in actions:
            store.write_control_action(a)
    rows = [{"miner_id": a.miner_id, "action": a.action, "ok": a.ok, "status": a.status, "code": a.code,
             "parameter": a.parameter, "reply_msg": a.reply_msg} for a in actions]
    if json_out:
        print_json({"requested_by": who, "actions": rows, "ok": sum(a.ok for a in actions),
                    "failed": sum(not a.ok for a in actions)})
    else:
        print_table(rows, title=f"control {action} (requested by {who}; audited in {db_target})")
    if not all(a.ok for a in actions):
        raise typer.Exit(1)


ByOpt = Annotated[str | None, typer.Option("--by", help="Who is asking (default: the OS user).")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Store for the audit record (default HASHSTACK_DB).")]


@control_app.command("power-target")
def power_target(ctx: typer.Context, watts: Annotated[float, typer.Option("--watts", help="Target [W].", min=1)],
                 range_: RangeOpt = None, targets: TargetsOpt = None, by: ByOpt = None, db: DbOpt = None,
                 json_out: JsonFlag = False) -> None:
    """Set each miner to its highest profile at or below WATTS."""
    _control(ctx, range_, targets, "power_target", by, db, json_out, watts)


@control_app.command("sleep")
def sleep_cmd(ctx: typer.Context, range_: RangeOpt = None, targets: TargetsOpt = None, by: ByOpt = None,
              db: DbOpt = None, json_out: JsonFlag = False) -> None:
    """Stop hashing (curtail)."""
    _control(ctx, range_, targets, "sleep", by, db, json_out)


@control_app.command("wake")
def wake_cmd(ctx: typer.Context, range_: RangeOpt = None, targets: TargetsOpt = None, by: ByOpt = None,
             db: DbOpt = None, json_out: JsonFlag = False) -> None:
    """Resume hashing."""
    _control(ctx, range_, targets, "wake", by, db, json_out)
