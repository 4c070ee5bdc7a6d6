"""Manifest of mail: the outbox and its worker, preferences, digests, one-click unsubscribe."""

from api.demo.mail import seed
from api.domain.mail.commands import MAIL_IN
from api.domain.mail.digest import digest_job
from api.domain.mail.inbound import inbound_job
from api.domain.mail.outbox import backlog
from api.domain.mail.worker import outbox_job
from api.registry import Domain, Job, OutboxProbe

DOMAIN = Domain(
    name="mail",
    doc="Mail: a transactional outbox sent over SMTP (or to .eml files), preferences, digests, unsubscribe, "
    "replies by mail.",
    models=("api.models.mail",),
    schema="schema.mail",
    jobs=(
        Job("mail.outbox", outbox_job, interval=2.0),
        Job("mail.digest", digest_job, interval=60.0),
        Job("mail.inbound", inbound_job, interval=30.0),
    ),
    commands=(MAIL_IN,),
    outboxes=(OutboxProbe("mail", backlog),),
    seeder=seed,
)
