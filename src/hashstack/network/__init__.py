"""Network data: daily history files, the shipped dated snapshot, and the live mempool.space client."""

from hashstack.network.history import hashprice_history, read_network_history
from hashstack.network.snapshot import NetworkState, load_snapshot

__all__ = ["NetworkState", "hashprice_history", "load_snapshot", "read_network_history"]
