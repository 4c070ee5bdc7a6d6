"""Imports the modules that register background jobs, event handlers, deciders, search
document kinds and CLI commands. Add a module here when it registers something."""

import importlib

MODULES: list[str] = [
    "api.domain.media",
    "search.kinds.kb",
    "search.kinds.members",
    "search.worker",
    "search.startup",
    "search.commands",
    "api.domain.kb.moderation",
    "api.domain.forum.moderation",
    "api.domain.kb.media",
    "api.domain.forum.media",
    "api.attachment_commands",
    "media.commands",
    "api.backup_commands",
    "api.backup_jobs",
    "search.kinds.forum",
    "api.domain.moderation.announcements",
    "api.domain.moderation.admission",
    "api.domain.moderation.premoderation",
    "api.domain.governance.closing",
    "api.domain.engagement.handlers",
    "api.domain.engagement.messages",
]

for _name in MODULES:
    importlib.import_module(_name)
