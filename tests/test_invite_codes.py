"""Invite codes: the id and an HMAC of it; only the server's key makes a code that is accepted."""

from __future__ import annotations

from server.invite_codes import InviteCodes


def test_a_code_names_its_invite_and_nothing_else_is_accepted() -> None:
    codes = InviteCodes("one secret")
    code = codes.code(42)
    assert code.startswith("42.") and len(code) <= 64 and code.isascii()
    assert codes.invite_id(code) == 42
    head, _, mac = code.partition(".")
    assert codes.invite_id(f"43.{mac}") is None  # another id with this MAC
    assert codes.invite_id(f"042.{mac}") is None  # the same number spelled otherwise
    assert codes.invite_id(head) is None and codes.invite_id(f"{head}.") is None
    assert codes.invite_id(f"{head}.{mac[:-1]}") is None
    assert codes.invite_id(f"{head}.{mac}é") is None
    assert InviteCodes("another secret").invite_id(code) is None  # a different server key
    assert InviteCodes("one secret").code(42) == code  # every process with the key rebuilds the same code
