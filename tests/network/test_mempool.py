"""The live mempool.space client, replayed from recorded responses (no network in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from hashstack.errors import LiveDataError
from hashstack.network.mempool import get_network_state

RECORDED = Path(__file__).resolve().parents[1] / "data" / "mempool"


def replay(overrides: dict[str, httpx.Response] | None = None) -> httpx.MockTransport:
    routes = {
        "/api/blocks/tip/height": httpx.Response(200, text=(RECORDED / "tip_height.txt").read_text()),
        "/api/v1/mining/hashrate/3d": httpx.Response(200, json=json.loads((RECORDED / "hashrate_3d.json").read_text())),
        "/api/v1/mining/reward-stats/144": httpx.Response(
            200, json=json.loads((RECORDED / "reward_stats_144.json").read_text())),
        "/api/v1/prices": httpx.Response(200, json=json.loads((RECORDED / "prices.json").read_text())),
    }
    routes.update(overrides or {})

    def handler(request: httpx.Request) -> httpx.Response:
        return routes.get(request.url.path, httpx.Response(404, text="not found"))

    return httpx.MockTransport(handler)


def test_state_from_recorded_responses() -> None:
    state = get_network_state(base_url="https://mempool.example", transport=replay())
    rewards = json.loads((RECORDED / "reward_stats_144.json").read_text())
    n_blocks = rewards["endBlock"] - rewards["startBlock"] + 1
    assert state.height == int((RECORDED / "tip_height.txt").read_text())
    assert state.difficulty == json.loads((RECORDED / "hashrate_3d.json").read_text())["currentDifficulty"]
    assert state.fees_btc_per_block == pytest.approx(int(rewards["totalFee"]) / 1e8 / n_blocks)
    assert state.btc_price_usd == json.loads((RECORDED / "prices.json").read_text())["USD"]
    hp = state.hashprice()
    assert 10 < float(hp.hashprice_usd_per_ph_day) < 200


def test_http_error_names_the_url() -> None:
    transport = replay({"/api/v1/prices": httpx.Response(429, text="Too Many Requests")})
    with pytest.raises(LiveDataError, match=r"/api/v1/prices: HTTP 429"):
        get_network_state(base_url="https://mempool.example", transport=transport)


def test_missing_field_names_the_field() -> None:
    transport = replay({"/api/v1/mining/hashrate/3d": httpx.Response(200, json={"hashrates": []})})
    with pytest.raises(LiveDataError, match="currentDifficulty"):
        get_network_state(base_url="https://mempool.example", transport=transport)


def test_connection_failure_is_a_live_data_error() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(LiveDataError, match="refused"):
        get_network_state(base_url="https://mempool.example", transport=httpx.MockTransport(boom))
