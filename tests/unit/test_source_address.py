"""Which address a request is attributed to: X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from dns_api.api.source import SourceResolver


def request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 50000), "headers": headers})


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        ([], "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        (["10.0.0.0/8"], "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9", "203.0.113.9"),
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9, 10.9.9.9", "203.0.113.9"),
        (["10.0.0.0/8"], "10.1.2.3", "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        (["10.0.0.0/8"], "10.1.2.3", None, "10.1.2.3"),
        (
            ["10.0.0.0/8", "2001:db8::/32"],
            "2001:db8::1",
            "2001:db9::5, 2001:db8::2",
            "2001:db9::5",
        ),
        # A hop that is not an address makes the source unknown: never stored, never matched.
        (["10.0.0.0/8"], "10.1.2.3", "not-an-ip", None),
        (["10.0.0.0/8"], "10.1.2.3", "<script>" + "x" * 300, None),
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9, <script>", None),
        # Ports and brackets as proxies write them; IPv4 seen through a dual-stack socket.
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9:5678", "203.0.113.9"),
        (["10.0.0.0/8"], "10.1.2.3", "[2001:db8::5]:443", "2001:db8::5"),
        (["10.0.0.0/8"], "::ffff:10.1.2.3", "::ffff:203.0.113.9", "203.0.113.9"),
        ([], "::ffff:198.51.100.7", None, "198.51.100.7"),
        # A garbage peer (not a socket address) is unknown too.
        ([], "testclient", None, None),
    ],
)
def test_source(trusted: list[str], peer: str, forwarded: str | None, expected: str) -> None:
    assert SourceResolver(trusted)(request(peer, forwarded)) == expected
