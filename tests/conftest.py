"""Shared fixtures.

Datasets in ``../shared/data`` are never copied into the repo. A test that needs one asks
:func:`shared_file`: with ``CI=true`` a missing file fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same generated examples every time (a failure there is reproducible); locally they vary.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA_DIR = Path(os.environ.get("HASHSTACK_DATA_DIR", REPO_ROOT.parent / "shared" / "data")).resolve()


def shared_file(*parts: str) -> Path:
    """Return the path of a shared dataset, failing under CI and skipping elsewhere when absent."""
    path = SHARED_DATA_DIR.joinpath(*parts)
    if not path.exists():
        reason = f"shared dataset missing: {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture
def shared_data_dir() -> Path:
    """The shared data folder (``../shared/data`` beside the repo, or ``HASHSTACK_DATA_DIR``)."""
    if not SHARED_DATA_DIR.exists():
        shared_file()  # fails under CI, skips elsewhere
    return SHARED_DATA_DIR
