"""docs/protocol.md's rules, checked from the doc's side against parley.protocol (shared by the server and
the widget): link card ports, control characters, text limits and trimming, positions, URL white space."""

from __future__ import annotations

import json

import pytest
from parley import protocol as P


def refused(text: str, code: str = P.E_BAD_FIELD) -> P.ProtocolError:
    with pytest.raises(P.ProtocolError) as info:
        P.parse_client_frame(text)
    assert info.value.code == code, info.value
    return info.value


def client(**frame: object) -> dict[str, object]:
    return P.parse_client_frame(json.dumps(frame))


def share(url: str, **data: object) -> str:
    return json.dumps({"t": "share", "cid": "s1", "conv": 3, "data": {"url": url, **data}})


# -- link cards: "a port (if any) in 1..65535" -------------------------------------------------------


@pytest.mark.parametrize("url", ["http://example.com:0/", "https://example.com:00/x", "http://[::1]:0/",
                                 "http://example.com:65536/"])
def test_a_port_outside_1_to_65535_is_refused(url: str) -> None:
    with pytest.raises(P.ProtocolError):
        P.check_url(url)
    refused(share(url))


@pytest.mark.parametrize("url", ["http://example.com:1/", "https://example.com:65535/x", "http://[::1]:8080/"])
def test_a_port_in_1_to_65535_is_accepted(url: str) -> None:
    assert P.check_url(url) == url
    assert client(t="share", cid="s1", conv=3, data={"url": url})["data"]["url"] == url  # type: ignore[index]
