"""Live network state from the mempool.space REST API (edge: network I/O).

Endpoints used (documented at mempool.space/docs/api/rest):

* ``GET /api/blocks/tip/height`` -> the tip height as plain text;
* ``GET /api/v1/mining/hashrate/3d`` -> ``currentHashrate`` [H/s], ``currentDifficulty``;
* ``GET /api/v1/mining/reward-stats/{n}`` -> ``totalReward``, ``totalFee`` [sat] over the last n blocks;
* ``GET /api/v1/prices`` -> ``time``, ``USD``.

The transport is injectable so tests replay recorded responses without a network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hashstack.errors import LiveDataError
from hashstack.network.snapshot import NetworkState
from hashstack.units import SATS_PER_BTC

DEFAULT_BASE_URL = "https://mempool.space"
FEE_WINDOW_BLOCKS = 144


def _json(client: httpx.Client, path: str) -> Any:
    try:
        resp = client.get(path)
    except httpx.HTTPError as exc:
        raise LiveDataError(f"{client.base_url}{path}: {exc}") from None
    if resp.status_code != 200:
        raise LiveDataError(f"{client.base_url}{path}: HTTP {resp.status_code}")
    try:
        return resp.json()
    except ValueError:
        raise LiveDataError(f"{client.base_url}{path}: not JSON: {resp.text[:80]!r}") from None


def _number(payload: Any, key: str, where: str) -> float:
    try:
        return float(payload[key])
    except (KeyError, TypeError, ValueError):
        raise LiveDataError(f"{where}: missing or non-numeric field '{key}'") from None


def get_network_state(base_url: str = DEFAULT_BASE_URL, transport: httpx.BaseTransport | None = None,
                      timeout_s: float = 10.0, fee_window_blocks: int = FEE_WINDOW_BLOCKS) -> NetworkState:
    """Fetch the current BTC price, difficulty, tip height and mean fees per block.

    Parameters
    ----------
    base_url : API root (a self-hosted mempool instance works too)
    transport : httpx transport (tests pass an ``httpx.MockTransport`` replaying recorded responses)
    timeout_s : per-request timeout [s]
    fee_window_blocks : blocks over which fees are averaged

    Raises
    ------
    LiveDataError : a request failed or a payload lacked a field; names the URL and the field
    """
    with httpx.Client(base_url=base_url, transport=transport, timeout=timeout_s,
                      headers={"User-Agent": "hashstack"}) as client:
        try:
            tip = client.get("/api/blocks/tip/height")
        except httpx.HTTPError as exc:
            raise LiveDataError(f"{base_url}/api/blocks/tip/height: {exc}") from None
        if tip.status_code != 200 or not tip.text.strip().isdigit():
            raise LiveDataError(f"{base_url}/api/blocks/tip/height: unexpected answer {tip.text[:40]!r}")
        height = int(tip.text.strip())
        hashrate = _json(client, "/api/v1/mining/hashrate/3d")
        difficulty = _number(hashrate, "currentDifficulty", f"{base_url}/api/v1/mining/hashrate/3d")
        rewards_path = f"/api/v1/mining/reward-stats/{fee_window_blocks}"
        rewards = _json(client, rewards_path)
        total_fee_sat = _number(rewards, "totalFee", base_url + rewards_path)
        start = _number(rewards, "startBlock", base_url + rewards_path)
        end = _number(rewards, "endBlock", base_url + rewards_path)
        n_blocks = max(int(end - start) + 1, 1)
        prices = _json(client, "/api/v1/prices")
        price = _number(prices, "USD", f"{base_url}/api/v1/prices")
        ts = datetime.fromtimestamp(_number(prices, "time", f"{base_url}/api/v1/prices"), tz=UTC)
    return NetworkState(
        as_of=ts.isoformat(), btc_price_usd=price, difficulty=difficulty, height=height,
        fees_btc_per_block=total_fee_sat / SATS_PER_BTC / n_blocks, source=f"live {base_url}",
        sources={"all": f"{base_url} REST API at {ts.isoformat()}"},
    )
