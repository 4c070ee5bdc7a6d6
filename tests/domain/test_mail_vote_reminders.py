"""Vote reminders are notifications of a kind the mail preferences know: they are mailed at once
unless the member chose otherwise."""

from __future__ import annotations

from datetime import timedelta

from api.domain.governance import deliberation, proposals
from api.domain.mail import worker
from api.domain.mail.preferences import KINDS, PreferencesInput, set_preferences
from api.models.mail import Delivery
from api.timeutil import now
from tests.domain.governance_helpers import committee_with


async def test_vote_reminders_go_by_mail_as_members_chose(mail_settings, smtp, factory):
    assert KINDS["governance.vote_reminder"] is Delivery.EMAIL
    _, chair, people, committee = await committee_with(factory, mail_settings, members=2)
    await set_preferences(
        people[1], PreferencesInput(kinds={"governance.vote_reminder": Delivery.IN_APP}), settings=mail_settings
    )
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Soon"), settings=mail_settings
    )
    await proposals.open_proposal(chair, draft.id, settings=mail_settings, closes_at=now() + timedelta(hours=2))
    smtp.messages.clear()
    assert await deliberation.remind_voters(mail_settings)
    await worker.drain(mail_settings)
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == sorted([chair.email, people[0].email])  # not the member who chose the app only
    assert "Soon" in smtp.messages[0].get_body(("plain",)).get_content()
