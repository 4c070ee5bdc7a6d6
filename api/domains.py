"""The installed domains: the one list from which models, schema, jobs, handlers, content types,
search kinds, media readers, commands and demo data are derived (see `api.registry`).

Adding a domain is writing its manifest (`DOMAIN = Domain(...)` in `<package>/manifest.py`) and
naming it here. The order is the order of seeding and of the schema's root fields.
"""

INSTALLED: tuple[str, ...] = (
    "api.domain.content.manifest",
    "api.domain.accounts.manifest",
    "api.domain.mail.manifest",
    "api.domain.community.manifest",
    "api.domain.forum.manifest",
    "api.domain.media.manifest",
    "api.domain.kb.manifest",
    "search.manifest",
    "api.domain.moderation.manifest",
    "api.domain.trust.manifest",
    "api.domain.engagement.manifest",
    "api.domain.growth.manifest",
    "api.domain.governance.manifest",
    "api.domain.attachments.manifest",
    "api.http.manifest",
    "api.backup.manifest",
)
