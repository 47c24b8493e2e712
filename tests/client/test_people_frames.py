"""The people and group frames of the protocol (friend, find, invite, group; friendship, found, invites,
conversation, done; system messages): their field rules, as parley.protocol applies them on both sides."""

from __future__ import annotations

import json

import pytest
from parley import protocol as P


def client(**frame: object) -> dict:
    return P.parse_client_frame(json.dumps(frame))


def refused(text: str) -> P.ProtocolError:
    with pytest.raises(P.ProtocolError) as caught:
        P.parse_client_frame(text)
    assert caught.value.code == P.E_BAD_FIELD
    return caught.value


def test_friend_names_exactly_one_person_and_only_a_request_goes_by_username() -> None:
    assert client(t="friend", rid="r", op="accept", user=3)["user"] == 3
    assert client(t="friend", rid="r", op="request", username="bob")["username"] == "bob"
    refused('{"t":"friend","rid":"r","op":"request"}')
    refused('{"t":"friend","rid":"r","op":"request","user":3,"username":"bob"}')
    refused('{"t":"friend","rid":"r","op":"block","username":"bob"}')
    refused('{"t":"friend","rid":"r","op":"poke","user":3}')
    assert refused('{"t":"friend","rid":"r9","op":"accept","user":0}').ref == "r9"


def test_find_trims_its_query_and_needs_two_characters() -> None:
    assert client(t="find", rid="r", q="  Bo ")["q"] == "Bo"
    refused('{"t":"find","rid":"r","q":" b "}')
    refused('{"t":"find","rid":"r","q":"' + "x" * (P.MAX_FIND_CHARS + 1) + '"}')
    refused('{"t":"find","rid":"r"}')


def test_invite_operations_name_what_they_act_on() -> None:
    assert client(t="invite", rid="r", op="create", url="HTTPS://a.example/p")["url"] == "https://a.example/p"
    refused('{"t":"invite","rid":"r","op":"create"}')
    refused('{"t":"invite","rid":"r","op":"create","url":"javascript:alert(1)"}')
    refused('{"t":"invite","rid":"r","op":"accept"}')
    refused('{"t":"invite","rid":"r","op":"revoke","code":"has space"}')
    assert client(t="invite", rid="r", op="list") == {"t": "invite", "rid": "r", "op": "list"}


def test_group_operations_carry_what_each_needs() -> None:
    assert client(t="group", rid="r", op="create", users=[2, 2, 3])["users"] == [2, 3]
    refused('{"t":"group","rid":"r","op":"create"}')
    refused('{"t":"group","rid":"r","op":"rename","conv":5}')
    assert client(t="group", rid="r", op="rename", conv=5, title="")["title"] == ""
    refused('{"t":"group","rid":"r","op":"add","conv":5}')
    refused('{"t":"group","rid":"r","op":"remove","conv":5}')
    refused('{"t":"group","rid":"r","op":"leave"}')
    refused('{"t":"group","rid":"r","op":"create","users":' + json.dumps(list(range(1, P.MAX_GROUP_ADD + 2))) + "}")
    refused('{"t":"group","rid":"r","op":"rename","conv":5,"title":"' + "x" * (P.MAX_GROUP_TITLE_CHARS + 1) + '"}')
    assert client(t="group", rid="r", op="rename", conv=5, title="a\u0007b")["title"] == "a b"


def test_clients_cannot_send_system_messages() -> None:
    refused('{"t":"send","cid":"c","conv":1,"kind":"system","data":{"event":"left"}}')


def test_system_messages_validate_their_event_on_the_client() -> None:
    frame = P.make_msg(9, 5, 3, 1, 2, P.KIND_SYSTEM, data=P.system_data(P.GROUP_ADDED, users=[4]))
    assert P.parse_server_frame(P.encode(frame))["data"] == {"event": "added", "users": [4]}
    bad = dict(frame, data={"event": "exploded"})
    with pytest.raises(P.ProtocolError):
        P.parse_server_frame(P.encode(bad))
    share = P.make_msg(9, 5, 3, 1, 2, P.KIND_SHARE, data={"url": "javascript:x"})
    with pytest.raises(P.ProtocolError):
        P.parse_server_frame(P.encode(share))


def test_new_frames_need_their_scopes() -> None:
    assert P.FRAME_SCOPES["friend"] == P.FRAME_SCOPES["find"] == P.FRAME_SCOPES["invite"] == P.SCOPE_PEOPLE
    assert P.FRAME_SCOPES["group"] == P.SCOPE_MESSAGES
