"""The CLI contract: names of commands, options and JSON keys; exit code 2 on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HASHSTACK_DB": str((cwd or REPO) / "cli-test.duckdb")}
    return subprocess.run([sys.executable, "-m", "hashstack.cli", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, timeout=300)


def test_hashprice_json_contract() -> None:
    out = run("hashprice", "--btc-price-usd", "100000", "--difficulty", "1e14", "--fees-btc-per-block", "0.1",
              "--height", "900000", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    expected = 3.225 * 86400e12 / (1e14 * 2**32) * 1000
    assert data["hashprice_btc_per_ph_day"] == pytest.approx(expected)
    assert data["hashprice_usd_per_ph_day"] == pytest.approx(expected * 100000)
    assert data["fee_share_frac"] == pytest.approx(0.1 / 3.225)


def test_hashprice_by_network_hashrate_and_table_output() -> None:
    out = run("hashprice", "--btc-price-usd", "90000", "--network-hashrate-ehs", "1000")
    assert out.returncode == 0 and "hashprice_usd_per_ph_day" in out.stdout


def test_hashprice_needs_one_of_difficulty_or_hashrate() -> None:
    out = run("hashprice", "--btc-price-usd", "90000")
    assert out.returncode == 2 and "exactly one" in out.stderr


def test_economics_json_rows_per_model() -> None:
    out = run("economics", "examples/site.toml", "--btc-price-usd", "90000", "--difficulty", "1.5e14", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [m["model"] for m in data["models"]] == ["Antminer S21", "Antminer S19j Pro", "Whatsminer M60S",
                                                    "Avalon A1366"]
    for m in data["models"]:
        for key in ("revenue_usd_per_day", "power_cost_usd_per_day", "margin_usd_per_day",
                    "breakeven_power_price_usd_per_mwh", "shutoff_power_price_usd_per_mwh"):
            assert key in m
        assert m["shutoff_power_price_usd_per_mwh"] > m["breakeven_power_price_usd_per_mwh"]


@pytest.mark.parametrize(("content", "needle"), [
    ('[site\nname = "x"\n', "malformed TOML"),
    ('[site]\nname="x"\npower_capacity_mw=1\n[site.tariff]\nfixed_usd_per_mwh=1\n[[miners]]\nmodel="Nope 9"\n'
     'count=1\n', "unknown ASIC model 'Nope 9'"),
])
def test_bad_site_exit_code_2(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    out = run("economics", str(path), "--json")
    assert out.returncode == 2
    assert needle in out.stderr and str(path) in out.stderr.replace("\n", "")


def test_bad_history_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("date,price_usd,difficulty_mean,blocks,issuance_btc,fees_btc\n2025-01-01,1,x,1,1,1\n")
    out = run("history", str(path))
    assert out.returncode == 2
    assert "row 1" in out.stderr and "difficulty_mean" in out.stderr
    path.write_text("date,price_usd,blocks,issuance_btc,fees_btc\n2025-01-01,1,1,1,1\n")
    out = run("history", str(path))
    assert out.returncode == 2 and "difficulty_mean" in out.stderr


def test_payback_and_catalog_json() -> None:
    out = run("payback", "Antminer S21", "--price-usd-per-th", "10", "--difficulty-growth", "0,0.5", "--json")
    assert out.returncode == 0, out.stderr
    paths = json.loads(out.stdout)["paths"]
    assert paths[0]["roi_frac"] > paths[1]["roi_frac"]  # faster difficulty growth, worse ROI
    out = run("catalog", "--json")
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 28
    out = run("payback", "Antminer S99", "--price-usd-per-th", "10")
    assert out.returncode == 2 and "unknown ASIC model" in out.stderr


def test_unknown_option_is_a_usage_error() -> None:
    out = run("hashprice", "--bogus")
    assert out.returncode == 2


def test_live_flag_reads_a_mempool_api(tmp_path: Path) -> None:
    # A local HTTP server on loopback replays the recorded mempool.space responses.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = REPO / "tests" / "data" / "mempool"
    routes = {"/api/blocks/tip/height": "tip_height.txt", "/api/v1/mining/hashrate/3d": "hashrate_3d.json",
              "/api/v1/mining/reward-stats/144": "reward_stats_144.json", "/api/v1/prices": "prices.json"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = routes.get(self.path)
            body = (data / name).read_bytes() if name else b"not found"
            self.send_response(200 if name else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        os.environ["HASHSTACK_MEMPOOL_URL"] = f"http://127.0.0.1:{server.server_address[1]}"
        out = run("network", "--live", "--json")
    finally:
        os.environ.pop("HASHSTACK_MEMPOOL_URL")
        server.shutdown()
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout)
    assert state["height"] == 946080 and state["btc_price_usd"] == 75873
    assert state["source"].startswith("live http://127.0.0.1:")


def test_native_prints_go_to_stderr_and_python_output_to_stdout() -> None:
    # HiGHS prints from C++ to fd 1; the CLI edge points fd 1 at stderr so --json stays clean.
    code = ("import os; from hashstack.cli import _route_native_stdout_to_stderr as r; r(); "
            "os.write(1, b'native-noise'); print('{\"ok\": 1}')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == {"ok": 1}
    assert "native-noise" in out.stderr


def test_bad_dates_and_horizon_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("date,price_usd,difficulty_mean,blocks,issuance_btc,fees_btc\n2025-01-01,1,1e14,144,450,1\n")
    out = run("history", str(path), "--start", "abc")
    assert out.returncode == 2 and "--start must be a date" in out.stderr
    out = run("history", str(path), "--start", "2025-01-01", "--end", "2025-01-01", "--freq", "D", "--json")
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 1
    out = run("payback", "Antminer S21", "--price-usd-per-th", "10", "--days", "0")
    assert out.returncode == 2
