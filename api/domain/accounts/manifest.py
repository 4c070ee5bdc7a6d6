"""Manifest of accounts: members, sessions, roles, profiles and notifications."""

from api.demo.accounts import seed
from api.domain.accounts import recheck_sessions, revoke_search_tokens
from api.domain.accounts.access import READ_POLICIES
from api.domain.accounts.events import MemberAccessChanged, MemberRegistered
from api.domain.accounts.search import MEMBERS
from api.events import on
from api.registry import Domain, History

DOMAIN = Domain(
    name="accounts",
    doc="Members, sign-in tokens, roles, profiles, committees' membership rows and notifications.",
    models=("api.models.accounts", "api.models.notifications"),
    schema="schema.accounts",
    events=(MemberRegistered, MemberAccessChanged),
    # Every member registered once (EVENT badges for joining reach those who joined before).
    histories=(History(MemberRegistered, "SELECT id AS user_id FROM users"),),
    handlers=(on(MemberAccessChanged, recheck_sessions), on(MemberAccessChanged, revoke_search_tokens)),
    search_kinds=(MEMBERS,),
    read_policies=READ_POLICIES,
    seeder=seed,
)
