"""Remove a spammer: one staff action that deletes everything the member wrote (every content type
that can list its author's items), takes back what it earned (through `ContentRemoved`), bans the
member for good and enters it in the moderation log."""

from __future__ import annotations

from dataclasses import dataclass

from api.domain import content
from api.domain.content.events import ContentRemoved
from api.domain.moderation import modlog, sanctions
from api.domain.moderation._text import note
from api.errors import Forbidden, NotFound
from api.events import emit
from api.models.accounts import Role, SanctionKind, User
from api.models.moderation import LogAction
from api.policies import is_staff, require_role
from api.settings import Settings
from api.transactions import transaction


@dataclass(frozen=True)
class Removal:
    user: User
    deleted: dict[str, int]  # content type -> items deleted


async def remove_spammer(actor: User | None, user_id: int, reason: str, *, settings: Settings) -> Removal:
    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=True, settings=settings)
    member = await User.filter(id=user_id).first()
    if member is None:
        raise NotFound("No such member.", field="userId")
    if is_staff(member) or member.id == moderator.id:
        raise Forbidden("Staff cannot be removed as spammers: change their role first.", field="userId")
    deleted: dict[str, int] = {}
    async with transaction():
        for name, kind in content.content_types().items():
            if kind.authored is None:
                continue
            ids = await kind.authored(member.id)
            for item_id in ids:
                await kind.delete(item_id, moderator.id)
                await emit(ContentRemoved(content_type=name, content_id=item_id, author_id=member.id))
            if ids:
                deleted[name] = len(ids)
        await sanctions.sanction_member(moderator, member.id, SanctionKind.BAN, reason=reason, settings=settings)
        summary = ", ".join(f"{n} {t.lower()}{'s' if n != 1 else ''}" for t, n in sorted(deleted.items())) or "nothing"
        await modlog.record(
            LogAction.SPAMMER_REMOVED,
            actor_id=moderator.id,
            subject_type="User",
            subject_id=member.id,
            subject_label=member.username,
            reason=f"{reason} (deleted: {summary})",
        )
    return Removal(user=member, deleted=deleted)
