from __future__ import annotations

import pytest

from hashstack.errors import InputError
from hashstack.telemetry.simulator.access import DEFAULT_API_ALLOW, parse_api_allow


def test_default_rules() -> None:
    acl = parse_api_allow(DEFAULT_API_ALLOW)
    assert acl.group_for("127.0.0.1") == "W"
    assert acl.group_for("127.9.9.9") == "R"
    assert acl.group_for("10.0.0.1") is None
    assert acl.group_for("not-an-ip") is None


def test_cgminer_syntax() -> None:
    acl = parse_api_allow("W:127.0.0.0/8, 192.168.0.0/16, R:0/0")
    assert acl.group_for("127.3.4.5") == "W"
    assert acl.group_for("192.168.1.1") == "R"
    assert acl.group_for("8.8.8.8") == "R"


@pytest.mark.parametrize("bad", ["", "X:127.0.0.1", "W:300.1.1.1", "R:127.0.0.1/40"])
def test_bad_rules(bad: str) -> None:
    with pytest.raises(InputError):
        parse_api_allow(bad)
