"""Names that cannot impersonate: NFKC usernames refused when their TR39 skeleton matches an
existing member's, display names without bidi controls or invisible characters; on register,
profile edit and create-admin."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest

from api.db import connection
from api.domain.accounts import ProfileInput, RegistrationInput, create_admin, register, update_profile
from api.errors import Conflict, Invalid
from api.models.accounts import Role, User
from api.names import clean_display_name, normalise_username, skeleton

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  user { username displayName } errors { field code message } } }"""


def test_look_alike_usernames_share_a_skeleton():
    assert skeleton("аdmin") == skeleton("admin")  # Cyrillic а
    assert skeleton("ａｄｍｉｎ") == skeleton("admin") == skeleton("ADMIN")  # fullwidth, case
    assert skeleton("раураl") == skeleton("paypal")  # Cyrillic р, а, у
    assert skeleton("ΑlaskaJazz") == skeleton("AlaskaJazz")  # Greek Alpha
    assert skeleton("adm1n") == skeleton("admln")  # digit one and small L
    assert skeleton("rnodern") == skeleton("modern")
    assert skeleton("ad\u200bmin") == skeleton("admin")  # zero-width space
    assert skeleton("alice") != skeleton("alicia")
    assert skeleton("李明") != skeleton("王芳") and skeleton("李明") == "李明"


def test_usernames_are_nfkc_without_hidden_characters():
    assert normalise_username("ａｄｍｉｎ") == "admin"
    assert normalise_username(" ad\u200dmin\u202e ") == "admin"
    assert normalise_username("Ｂｏｂ_１") == "Bob_1"


def test_display_names_lose_bidi_controls_and_invisible_characters():
    assert clean_display_name("Alice \u202egnp.exe") == "Alice gnp.exe"
    assert clean_display_name("\u2066Bob\u2069 \u200eSmith\u200f") == "Bob Smith"
    assert clean_display_name("Ca\u200brol\u2060 \u00ad\ufeffJones") == "Carol Jones"
    assert clean_display_name("  Dan \n\t the   man ") == "Dan the man"
    assert clean_display_name("\u200b\u200c\u200d") == ""
    # Joiners stay where they join: emoji sequences, Persian and Indic words.
    assert clean_display_name("👩\u200d💻 Eve") == "👩\u200d💻 Eve"
    assert clean_display_name("می\u200cخواهم") == "می\u200cخواهم"
    assert clean_display_name("ad\u200cmin") == "admin"
    assert clean_display_name("李明") == "李明"


async def test_register_refuses_look_alikes_of_existing_members(factory, app_settings):
    await factory.user("admin")
    for look_alike in ("аdmin", "ａｄｍｉｎ", "ADMIN", "ad\u200bmin", "αdmin"):
        with pytest.raises(Conflict) as caught:
            await register(
                RegistrationInput(look_alike, f"{abs(hash(look_alike))}@example.org", "a-good-long-passphrase", ""),
                settings=app_settings,
            )
        assert caught.value.field == "username", look_alike
    assert await User.all().count() == 1
    member = await register(
        RegistrationInput("ａｌｉｃｅ", "alice@example.org", "a-good-long-passphrase", "Alice\u202e \u200bL."),
        settings=app_settings,
    )
    assert (member.username, member.display_name) == ("alice", "Alice L.")
    assert member.username_skeleton == skeleton("alice")


async def test_profile_edits_clean_display_names(factory, app_settings):
    user = await factory.user()
    updated = await update_profile(user, ProfileInput(display_name="\u202eMallory\u2066"), settings=app_settings)
    assert (await User.get(id=updated.id)).display_name == "Mallory"
    with pytest.raises(Invalid) as caught:
        await update_profile(user, ProfileInput(display_name="\u200b\u200b"), settings=app_settings)
    assert caught.value.field == "displayName"
    assert (await User.get(id=user.id)).display_name == "Mallory"


async def test_create_admin_refuses_look_alikes_and_promotes_the_same_name(factory, app_settings):
    await factory.user("admin")
    with pytest.raises(Conflict):
        await create_admin("аdmin", "evil@example.org", "a-good-long-passphrase", app_settings)
    promoted = await create_admin("ａｄｍｉｎ", "x@example.org", "a-good-long-passphrase", app_settings)
    assert promoted.username == "admin" and promoted.role == Role.ADMIN
    assert await User.all().count() == 1


async def test_graphql_register_reports_the_look_alike(gql, factory):
    await factory.user("admin")
    data = (
        await gql(
            REGISTER, {"input": {"username": "аdmin", "email": "e@example.org", "password": "a-good-long-passphrase"}}
        )
    )["register"]
    assert data["user"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("username", "CONFLICT")]
    data = (
        await gql(
            REGISTER,
            {
                "input": {
                    "username": "ｍａｌｌｏｒｙ",
                    "email": "m@example.org",
                    "password": "a-good-long-passphrase",
                    "displayName": "\u202eyrollam",
                }
            },
        )
    )["register"]
    assert data["errors"] == [] and data["user"] == {"username": "mallory", "displayName": "yrollam"}


async def test_the_migration_gives_existing_members_their_skeletons(factory):
    older = await factory.user("admin")
    await User.all().update(username_skeleton=None)  # as before the migration
    newer, other = await factory.user("аdmin"), await factory.user("bob")
    await User.all().update(username_skeleton=None)
    migration = importlib.import_module("migrations.accounts.0003_user_username_skeleton")
    await migration._skeletons(None, SimpleNamespace(client=connection()))
    skeletons = {u.id: u.username_skeleton for u in await User.all()}
    # The older of two look-alikes keeps the skeleton; both keep their names.
    assert skeletons == {older.id: skeleton("admin"), newer.id: None, other.id: skeleton("bob")}
