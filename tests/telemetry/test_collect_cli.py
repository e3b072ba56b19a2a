"""`hashstack collect`: the CLI contract, targets parsing, and no acknowledged poll lost on SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hashstack.errors import DataFileError, InputError
from hashstack.store.duckdb_store import DuckDBStore
from hashstack.telemetry.targets import parse_range, read_targets

from . import replies
from .fakes import FakeFleetThread, multi_reply


def test_parse_range_forms() -> None:
    assert [t.host for t in parse_range("127.1.0.1-127.1.0.3")] == ["127.1.0.1", "127.1.0.2", "127.1.0.3"]
    assert [t.host for t in parse_range("127.1.0.254-127.1.1.1")] == ["127.1.0.254", "127.1.0.255", "127.1.1.0",
                                                                       "127.1.1.1"]
    assert len(parse_range("127.1.0.1-200")) == 200
    assert len(parse_range("10.0.0.0/30")) == 2  # hosts only
    assert parse_range("127.1.0.7:4029")[0].miner_id == "127.1.0.7:4029"
    for bad in ("127.1.0.9-127.1.0.1", "127.1.0.300", "", "10.0.0.0/8", "a.b.c.d-1"):
        with pytest.raises(InputError):
            parse_range(bad)


def test_read_targets_file(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("# site A\n127.1.0.1-127.1.0.2   Antminer S19j Pro\n\n127.1.0.9:4029\n127.1.0.1  # dup\n")
    ts = read_targets(p)
    assert [t.miner_id for t in ts] == ["127.1.0.1:4028", "127.1.0.2:4028", "127.1.0.9:4029"]
    assert ts[0].model == "Antminer S19j Pro" and ts[2].model is None
    p.write_text("127.1.0.1\nnot-an-address\n")
    with pytest.raises(DataFileError, match=r"row 2, field 'address'"):
        read_targets(p)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from hashstack.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_collect_once_json_contract(tmp_path: Path) -> None:
    behaviours: list = [multi_reply(replies.LUXOS)] * 3 + [multi_reply({"summary": "garbage{"})]
    with FakeFleetThread(behaviours) as fleet:
        targets = tmp_path / "targets.txt"
        targets.write_text("".join(f"127.0.0.1:{m.port}\n" for m in fleet.miners))
        db = tmp_path / "c.duckdb"
        res = _cli("collect", "--targets", str(targets), "--once", "--json", "--db", str(db), "--timeout", "2")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert (out["miners_ok"], out["miners_failed"], out["poll_id"]) == (3, 1, 1)
    assert out["duration_s"] >= 0
    assert out["power_sources"] == {"reported": 3} and out["miners_without_power"] == 0
    assert out["fleet_power_w"] == 3 * 2875 and out["fleet_hashrate_ths"] == pytest.approx(3 * 95.0)
    with DuckDBStore(db, read_only=True) as store:
        df = store.read_samples()
    assert len(df) == 4 and df.ok.sum() == 3
    assert set(df[df.ok].power_source) == {"reported"}


def test_collect_needs_exactly_one_target_source(tmp_path: Path) -> None:
    res = _cli("collect", "--once", "--db", str(tmp_path / "x.duckdb"))
    assert res.returncode == 2 and "exactly one of --range or --targets" in res.stderr


def test_second_writer_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "owned.duckdb"
    with DuckDBStore(db):
        res = _cli("collect", "--range", "127.0.0.1", "--once", "--db", str(db))
    assert res.returncode == 2 and "owns a DuckDB file for writing" in res.stderr


def test_killed_collector_loses_no_acknowledged_poll_and_restart_continues(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    with FakeFleetThread([multi_reply(replies.BMMINER)] * 5) as fleet:
        targets = tmp_path / "targets.txt"
        targets.write_text("".join(f"127.0.0.1:{m.port}\n" for m in fleet.miners))
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([sys.executable, "-c", "from hashstack.cli import main; main()", "collect",
                                 "--targets", str(targets), "--interval", "0.05", "--json", "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        acked: list[dict] = []
        try:
            assert proc.stdout is not None
            while len(acked) < 4:
                line = proc.stdout.readline()
                assert line, proc.stderr.read() if proc.stderr else ""
                acked.append(json.loads(line))
        finally:
            proc.send_signal(signal.SIGKILL)  # mid-flight: no chance to flush or close
            proc.wait(30)
        with DuckDBStore(db) as store:
            polls = store.read_table("polls")
            samples = store.read_samples()
        for a in acked:
            assert a["poll_id"] in set(polls.poll_id)
            assert (samples.poll_id == a["poll_id"]).sum() == 5
        # every committed poll is whole (atomic), acknowledged or not
        assert set(samples.groupby("poll_id").size()) == {5}
        last = int(polls.poll_id.max())
        res = _cli("collect", "--targets", str(targets), "--once", "--json", "--db", str(db))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["poll_id"] == last + 1
