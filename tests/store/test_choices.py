"""The visitor's choices: account-wide status and sound, per-site hiding and title sharing (SQLite and
PostgreSQL: the store fixture runs both)."""

from __future__ import annotations

import pytest

from server.store import Invalid, NotFound
from tests.support.store_data import add_site, make_user

pytestmark = pytest.mark.anyio


def keep(old: str, new: str) -> str:
    return old


@pytest.fixture
async def alice_on_two_sites(store):
    alice = await make_user(store, "alice")
    shop = await add_site(store, ["https://shop.example"])
    blog = await add_site(store, ["https://blog.example"])
    await store.remember_consent(alice.id, shop, "profile friends", merge=keep)
    await store.remember_consent(alice.id, blog, "profile friends", merge=keep)
    return alice, shop, blog


async def test_defaults_are_online_site_sound_visible_and_no_titles(store, alice_on_two_sites):
    alice, shop, blog = alice_on_two_sites
    found = await store.account_settings(alice.id)
    assert (found.status, found.sound) == ("online", "site")
    assert [(s.site_id, s.hidden, s.share_title) for s in found.sites] == [(shop, False, False), (blog, False, False)]
    grant_choices = await store.presence_choices([alice.id])
    assert grant_choices[alice.id].status == "online"
    assert grant_choices[alice.id].hidden_sites == () and grant_choices[alice.id].title_sites == ()


async def test_status_and_sound_are_per_account_and_kept(store, alice_on_two_sites):
    alice, shop, _ = alice_on_two_sites
    found = await store.update_settings(alice.id, status="hidden", site_id=shop)
    assert found.status == "hidden" and found.sound == "site"
    assert [s.site_id for s in found.sites] == [shop]  # only the site asked about
    await store.update_settings(alice.id, sound="off")
    again = await store.account_settings(alice.id)
    assert (again.status, again.sound) == ("hidden", "off")  # one change does not reset the other
    await store.update_settings(alice.id, status="away")
    assert (await store.presence_choices([alice.id]))[alice.id].status == "away"


async def test_hiding_and_titles_are_per_site(store, alice_on_two_sites):
    alice, shop, blog = alice_on_two_sites
    await store.update_settings(alice.id, site_id=shop, hidden=True)
    await store.update_settings(alice.id, site_id=blog, share_title=True)
    found = await store.account_settings(alice.id)
    assert [(s.site_id, s.hidden, s.share_title) for s in found.sites] == [(shop, True, False), (blog, False, True)]
    choices = (await store.presence_choices([alice.id]))[alice.id]
    assert choices.hidden_sites == (shop,) and choices.title_sites == (blog,)
    assert (await store.hidden_sites([alice.id]))[alice.id] == (shop,)  # the same column as before


async def test_the_relay_reads_the_choices_with_the_token(store, alice_on_two_sites):
    from tests.support.store_data import add_token

    alice, shop, _ = alice_on_two_sites
    await add_token(store, alice.id, shop, "tok-alice-shop", "friends", 60_000)
    await store.update_settings(alice.id, status="hidden", sound="on", site_id=shop, share_title=True)
    from server.store import hash_secret

    grant = await store.access_grant(hash_secret("tok-alice-shop"))
    assert grant is not None
    assert (grant.status, grant.sound, grant.share_title) == ("hidden", "on", True)


async def test_bad_values_are_refused_and_change_nothing(store, alice_on_two_sites):
    alice = alice_on_two_sites[0]
    with pytest.raises(Invalid, match="status"):
        await store.update_settings(alice.id, status="invisible", sound="off")
    with pytest.raises(Invalid, match="sound"):
        await store.update_settings(alice.id, sound="loud")
    assert (await store.account_settings(alice.id)).sound == "site"


async def test_per_site_choices_need_an_authorized_site(store, alice_on_two_sites):
    alice, _, _ = alice_on_two_sites
    other = await add_site(store, ["https://other.example"])
    with pytest.raises(NotFound):
        await store.update_settings(alice.id, site_id=other, hidden=True, status="away")
    with pytest.raises(NotFound):
        await store.update_settings(alice.id, hidden=True)
    assert (await store.account_settings(alice.id)).status == "online"  # the whole change was refused


async def test_revoking_a_site_forgets_its_choices(store, alice_on_two_sites):
    alice, shop, _ = alice_on_two_sites
    await store.update_settings(alice.id, site_id=shop, hidden=True, status="hidden")
    await store.revoke_consent(alice.id, shop)
    found = await store.account_settings(alice.id)
    assert shop not in [s.site_id for s in found.sites] and found.status == "hidden"


async def test_the_grant_is_one_statement_with_every_fact_the_socket_needs(store, alice_on_two_sites):
    """hello's token check reads the token, its user and site, the ban, the site's title sharing, the account's
    choices, the hidden sites and the accepted friends in one statement (a reconnect storm pays one round
    trip per socket); defaults where no row exists."""
    from sqlalchemy import event

    from server.store import hash_secret
    from tests.support.store_data import add_token

    alice, shop, blog = alice_on_two_sites
    bob, carol, dave = [await make_user(store, name) for name in ("bob", "carol", "dave")]
    for friend in (bob, carol):
        await store.request(alice.id, friend.username)
        await store.accept(friend.id, alice.id)
    await store.request(alice.id, dave.username)  # pending: not a friend
    await add_token(store, alice.id, shop, "tok-grant", "friends messages", 60_000)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        plain = await store.access_grant(hash_secret("tok-grant"))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert plain is not None and plain.state == "live"
    assert sorted(plain.friends) == sorted([bob.id, carol.id])
    assert (plain.hidden_sites, plain.status, plain.sound, plain.share_title) == ((), "online", "site", False)
    assert (plain.findable, plain.requests) == ("everyone", "everyone")

    await store.update_settings(alice.id, site_id=shop, hidden=True)
    await store.update_settings(alice.id, site_id=blog, hidden=True, share_title=True)
    await store.update_settings(alice.id, status="away", sound="off", findable="nobody")
    chosen = await store.access_grant(hash_secret("tok-grant"))
    assert chosen is not None
    assert chosen.hidden_sites == tuple(sorted((shop, blog)))
    assert (chosen.status, chosen.sound, chosen.findable, chosen.share_title) == ("away", "off", "nobody", False)
    assert (await store.access_grant(hash_secret("no-such-token"))) is None
