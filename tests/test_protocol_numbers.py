"""Whole numbers on the wire are JSON integers: a `true`, a "3" or a 3.0 is an error, not a 1 or a 3."""

import pytest

from signage.protocol import ProtocolError, parse_client


@pytest.mark.parametrize("value", ["true", '"3"', "3.0", "null"])
@pytest.mark.parametrize("frame", [
    '{"type": "call_next", "id": "r1", "window": %s}',
    '{"type": "rate", "id": "r1", "window": 3, "score": %s}',
    '{"type": "hello", "v": 1, "role": "screen", "hall": "zhongshan", "since": %s}',
])
def test_numbers_are_numbers(frame: str, value: str) -> None:
    if value == "null" and "since" in frame:
        assert parse_client(frame % value).since is None  # (absent and null are the same)
        return
    with pytest.raises(ProtocolError) as err:
        parse_client(frame % value)
    assert err.value.code == "bad_field" and "integer" in str(err.value)
    assert parse_client(frame % "3").type in ("call_next", "rate", "hello")
