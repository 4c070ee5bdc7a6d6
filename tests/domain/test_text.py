"""One text validation for every domain (`api.text`): the rules themselves, then the same rules
reached through committees, forum spaces, knowledge-base categories, profiles and vote options."""

from __future__ import annotations

import pytest

from api import text
from api.domain.accounts import ProfileInput, update_profile
from api.domain.forum.spaces import SpaceInput, create_space
from api.domain.governance import ballots, committees, polls
from api.domain.kb.categories import CategoryInput, create_category
from api.errors import DomainError, Invalid
from api.models.accounts import Visibility
from api.models.governance import VotingMethod
from tests.domain.governance_helpers import committee_with, open_proposal


def test_line_collapses_whitespace_and_refuses_control_characters():
    assert text.line("  Board \n of\tdirectors ", "name", 40) == "Board of directors"
    with pytest.raises(Invalid, match="Enter a name") as empty:
        text.line(" \n ", "name", 40, what="a name")
    assert empty.value.field == "name"
    with pytest.raises(Invalid, match="control characters"):
        text.line("Board\x00", "name", 40)
    with pytest.raises(Invalid, match="at most 5 characters"):
        text.line("Committee", "name", 5)
    assert text.line(None, "name", 5, required=False) == ""


def test_block_keeps_lines_and_counts_characters():
    assert text.block("  first\r\nsecond\r \n", "body", 100) == "first\nsecond"
    assert text.block("\t- item\n\t- item", "body", 100) == "- item\n\t- item"
    with pytest.raises(Invalid, match="control characters"):
        text.block("bell\x07", "body", 100)
    with pytest.raises(Invalid, match="at most 3 characters"):
        text.block("李明王芳", "body", 3)


def test_errors_are_collected_when_a_list_is_given():
    errors: list[DomainError] = []
    assert text.line("", "title", 10, errors=errors) == ""
    text.block("x" * 11, "body", 10, errors=errors)
    text.tags(["a,b"], "tags", max_count=3, max_length=10, errors=errors)
    assert [e.field for e in errors] == ["title", "body", "tags"]


def test_tags_are_lower_case_one_line_unique_and_never_hold_commas():
    assert text.tags([" Meetup ", "meetup", "Event  Planning", " "], "tags", max_count=3, max_length=20) == [
        "meetup",
        "event planning",
    ]
    with pytest.raises(Invalid, match="no commas"):
        text.tags(["a,b"], "tags", max_count=3, max_length=20)
    with pytest.raises(Invalid, match="at most 2 tags"):
        text.tags(["a", "b", "c"], "tags", max_count=2, max_length=20)


def test_options_are_one_line_non_empty_and_different():
    assert text.one_line("  Yes \n please ") == "Yes please"
    check = {"max_count": 3, "max_length": 10}
    assert text.options_problem(["Yes", "No"], **check) is None
    assert text.options_problem(["Yes"], **check) == "List at least two options."
    assert text.options_problem(["a", "b", "c", "d"], **check) == "List at most 3 options."
    assert text.options_problem(["Yes", ""], **check) == "Options cannot be empty."
    assert text.options_problem(["Yes", "No\x00"], **check) == "Remove the control characters."
    assert text.options_problem(["Yes", "No" * 6], **check) == "Use at most 10 characters per option."
    assert text.options_problem(["Yes", "yes"], **check) == "Options must differ from each other."


async def test_names_and_descriptions_of_every_domain_follow_the_same_rules(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    committee = await committees.create_committee(
        admin, "  Events \n team ", "  Plans the meetups.\n\n", Visibility.PUBLIC, settings=app_settings
    )
    assert (committee.name, committee.description) == ("Events team", "Plans the meetups.")
    space = await create_space(admin, SpaceInput(name=" Local \t groups ", description=" Near you. "))
    assert (space.name, space.description) == ("Local groups", "Near you.")
    category = await create_category(admin, CategoryInput(name=" How \n to "), settings=app_settings)
    assert category.name == "How to"
    with pytest.raises(Invalid, match="control characters"):
        await committees.create_committee(admin, "Bell\x07", "", Visibility.PUBLIC, settings=app_settings)
    with pytest.raises(Invalid, match="control characters"):
        await create_space(admin, SpaceInput(name="Bell\x07", slug="bell"))
    with pytest.raises(Invalid, match="control characters"):
        await create_category(admin, CategoryInput(name="Bell\x07", slug="bell"), settings=app_settings)


async def test_profiles_use_the_text_rules_too(factory, app_settings):
    member = await factory.user()
    updated = await update_profile(
        member, ProfileInput(bio="  Hello!\r\n", interest_tags=[" Hiking ", "hiking"]), settings=app_settings
    )
    assert (updated.bio, updated.interest_tags) == ("Hello!", ["hiking"])
    with pytest.raises(Invalid, match="no commas") as refused:
        await update_profile(member, ProfileInput(interest_tags=["hiking, climbing"]), settings=app_settings)
    assert refused.value.field == "interestTags"


async def test_vote_options_are_stored_and_matched_as_one_line(factory, app_settings):
    _admin, chair, people, committee = await committee_with(factory, app_settings, members=1)
    proposal = await open_proposal(
        chair, committee, app_settings, method=VotingMethod.SINGLE_CHOICE, options=[" Blue  sky ", "Green"]
    )
    assert proposal.options == ["Blue sky", "Green"]
    ballot = await ballots.cast_vote(people[0], proposal.id, ["Blue \t sky"], settings=app_settings)
    assert ballot.choices == ["Blue sky"]
    poll = await polls.create_poll(
        chair, polls.PollInput(question="Venue?", options=[" Park  hall ", "Library"]), settings=app_settings
    )
    assert poll.options == ["Park hall", "Library"]
