"""The network state hashstack uses offline: a dated snapshot shipped in the package."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from hashstack.chain import block_subsidy_btc, network_hashrate_ths_from_difficulty
from hashstack.economics import Hashprice, hashprice


@dataclass(frozen=True, slots=True)
class NetworkState:
    """BTC price, difficulty, height and fees at one moment, with where each came from."""

    as_of: str
    btc_price_usd: float
    difficulty: float
    height: int
    fees_btc_per_block: float
    source: str
    height_estimated: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def network_hashrate_ths(self) -> float:
        """Hash rate implied by the difficulty at 600 s blocks [TH/s]."""
        return float(network_hashrate_ths_from_difficulty(self.difficulty))

    @property
    def subsidy_btc_per_block(self) -> float:
        """Subsidy at this height [BTC]."""
        return float(block_subsidy_btc(self.height))

    def hashprice(self) -> Hashprice:
        """Hashprice at this state."""
        return hashprice(self.btc_price_usd, difficulty=self.difficulty,
                         fees_btc_per_block=self.fees_btc_per_block, height=self.height)


def load_snapshot() -> NetworkState:
    """The dated network snapshot shipped in the package (see ``network/data/snapshot.json``)."""
    ref = resources.files("hashstack.network").joinpath("data", "snapshot.json")
    raw = json.loads(ref.read_text(encoding="utf-8"))
    date.fromisoformat(raw["as_of_date"])
    return NetworkState(
        as_of=raw["as_of_date"], btc_price_usd=float(raw["btc_price_usd"]), difficulty=float(raw["difficulty"]),
        height=int(raw["height"]), fees_btc_per_block=float(raw["fees_btc_per_block"]),
        source=f"built-in snapshot {raw['as_of_date']}", height_estimated=bool(raw.get("height_estimated")),
        sources=dict(raw["sources"]),
    )
