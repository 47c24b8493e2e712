"""Moderation in the store (SQLite and PostgreSQL): reports scoped by site, bans refusing the site's tokens,
disabled accounts, and the log of every action."""

from __future__ import annotations

import pytest

from server.store import Invalid, NotFound, hash_secret
from tests.support.store_data import add_site, add_token, add_web_session, make_friends, make_user

pytestmark = pytest.mark.anyio


async def _message(store, sender, other):
    await make_friends(store, sender, other)
    conv = await store.open_direct(sender.id, other.id)
    message, _ = await store.append_message(conv.id, sender.id, "c1", "text", "you are awful")
    return conv, message


async def test_report_of_a_message_copies_its_text_and_names_its_sender(store):
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    site = await add_site(store, ["https://a.example"])
    conv, message = await _message(store, alice, bob)
    report = await store.create_report(site, bob.id, "abuse", message_id=message.id, note="  rude  ")
    assert (report.reporter.username, report.reported.username) == ("bob", "alice")
    assert (report.message_text, report.conversation_id, report.note) == ("you are awful", conv.id, "rude")
    assert [r.id for r in await store.open_reports(site)] == [report.id]
    log = await store.moderation_log(site)
    assert [(e.actor, e.action, e.target) for e in log] == [("bob", "report", "alice")]


async def test_bad_reports_change_nothing(store):
    alice, bob, carol = await make_user(store, "alice"), await make_user(store, "bob"), await make_user(store, "carol")
    site = await add_site(store, ["https://a.example"])
    _, message = await _message(store, alice, bob)
    with pytest.raises(NotFound):  # carol cannot read the message
        await store.create_report(site, carol.id, "spam", message_id=message.id)
    with pytest.raises(Invalid):
        await store.create_report(site, bob.id, "because", reported_id=alice.id)
    with pytest.raises(Invalid):
        await store.create_report(site, bob.id, "spam", reported_id=bob.id)
    with pytest.raises(Invalid):
        await store.create_report(site, bob.id, "spam", reported_id=alice.id, note="x" * 501)
    with pytest.raises(NotFound):
        await store.create_report(site, bob.id, "spam", reported_id=999_999)
    with pytest.raises(Invalid):  # alice's own message names alice, not carol
        await store.create_report(site, bob.id, "spam", reported_id=carol.id, message_id=message.id)
    assert await store.open_reports(site) == []
    assert await store.moderation_log(site) == []


async def test_reports_and_bans_are_scoped_by_site(store):
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    mine, other = await add_site(store, ["https://a.example"]), await add_site(store, ["https://b.example"])
    report = await store.create_report(mine, bob.id, "spam", reported_id=alice.id)
    assert await store.site_report(other, report.id) is None
    assert await store.open_reports(other) == []
    assert not await store.dismiss_report(other, report.id, alice.id)
    assert await store.dismiss_report(mine, report.id, alice.id)
    assert not await store.dismiss_report(mine, report.id, alice.id)
    assert await store.open_reports(mine) == []
    assert [e.action for e in await store.moderation_log(mine)] == ["dismiss", "report"]
    assert await store.moderation_log(other) == []


async def test_ban_refuses_the_sites_tokens_only_and_lifting_restores_them(store):
    owner, bob = await make_user(store, "owner"), await make_user(store, "bob")
    site, other = await add_site(store, ["https://a.example"]), await add_site(store, ["https://b.example"])
    await add_token(store, bob.id, site, "on-site", "profile messages", 60_000)
    await add_token(store, bob.id, other, "elsewhere", "profile messages", 60_000)
    report = await store.create_report(site, owner.id, "spam", reported_id=bob.id)
    assert await store.ban_from_site(site, bob.id, owner.id, "spam")
    assert not await store.ban_from_site(site, bob.id, owner.id)
    assert await store.is_banned(site, bob.id) and not await store.is_banned(other, bob.id)
    assert (await store.access_grant(hash_secret("on-site"))).state == "banned"
    assert (await store.access_grant(hash_secret("elsewhere"))).state == "live"
    assert await store.token_states([hash_secret("on-site")]) == {hash_secret("on-site"): "banned"}
    assert await store.principal_for_access_token("on-site") is None
    assert await store.principal_for_access_token("elsewhere") is not None
    assert await store.access_refusal(bob.id, site) == "banned" and await store.access_refusal(bob.id, other) is None
    assert (await store.site_report(site, report.id)).outcome == "banned"
    assert [(b.user.username, b.banned_by) for b in await store.site_bans(site)] == [("bob", "owner")]
    assert await store.site_bans(other) == []
    assert not await store.lift_ban(other, bob.id, owner.id)
    assert await store.lift_ban(site, bob.id, owner.id)
    assert (await store.access_grant(hash_secret("on-site"))).state == "live"
    actions = [(e.actor, e.action, e.target) for e in await store.moderation_log(site)]
    assert actions == [("owner", "lift", "bob"), ("owner", "ban", "bob"), ("owner", "report", "bob")]
    with pytest.raises(Invalid):
        await store.ban_from_site(site, owner.id, owner.id)


async def test_disable_ends_every_token_and_session_and_refuses_sign_in_until_enabled(store):
    bob = await make_user(store, "bob", "password-1")
    site = await add_site(store, ["https://a.example"])
    await add_token(store, bob.id, site, "tok", "profile", 60_000)
    await add_web_session(store, bob.id, "web", "csrf")
    assert await store.disable_user(bob.id)
    assert not await store.disable_user(bob.id)
    assert await store.principal_for_access_token("tok") is None
    assert await store.principal_for_session("web") is None
    assert await store.authenticate("bob", "password-1") is None
    assert await store.access_refusal(bob.id, site) == "disabled"
    assert await store.enable_user(bob.id)
    assert not await store.enable_user(bob.id)
    assert (await store.authenticate("bob", "password-1")).id == bob.id
    assert await store.principal_for_access_token("tok") is None  # revoked tokens stay revoked
    log = [(e.actor, e.action, e.target) for e in await store.moderation_log(None)]
    assert log == [("operator", "enable", "bob"), ("operator", "disable", "bob")]
