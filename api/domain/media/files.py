"""A member's files: ownership, deletion, alternative text, avatar, privacy."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError, OperationalError

from api.db import column
from api.domain.media.access import readable
from api.domain.media.blobs import delete_unused_blobs
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models.accounts import User
from api.models.attachments import Attachment
from api.models.media import MediaFile, MediaKind, MediaVariant
from api.policies import is_staff, require_member
from api.settings import Settings
from api.transactions import transaction
from media.storage import Storage, get_storage


async def get_own(actor: User | None, media_id: int, *, field: str = "mediaId") -> MediaFile:
    """A media file the actor may attach to something: one they uploaded, or (staff) one they
    may read. A file the actor may not read is "no such file", so its existence never leaks."""
    member = require_member(actor)
    media_file = await MediaFile.filter(id=media_id).first()
    if media_file is None or media_file.id not in await readable(member, [media_file]):
        raise NotFound("No such file.", field=field)
    if media_file.owner_id != member.id and not is_staff(member):
        raise Forbidden("This file belongs to another member.", field=field)
    return media_file


async def delete(actor: User | None, media_id: int, *, storage: Storage | None = None, settings: Settings) -> None:
    """Delete a file's record; its blobs go too unless another record uses the same bytes."""
    storage = storage or get_storage(settings)
    media_file = await get_own(actor, media_id)
    shas = await column(MediaVariant.filter(media_file_id=media_file.id), "sha256")
    try:
        async with transaction():
            await User.filter(avatar_id=media_file.id).update(avatar_id=None)
            await media_file.delete()
    except (IntegrityError, OperationalError):
        raise Conflict("This file is still attached to something; detach it first.", field="mediaId") from None
    await delete_unused_blobs(storage, shas)


async def update_alt(actor: User | None, media_id: int, alt: str, *, settings: Settings) -> MediaFile:
    """Change the alternative text of one of the actor's files (staff: any file)."""
    media_file = await get_own(actor, media_id)
    alt = alt.strip()
    if len(alt) > settings.media_max_alt_length:
        raise Invalid(f"Use at most {settings.media_max_alt_length} characters.", field="alt")
    media_file.alt = alt
    await media_file.save(update_fields=["alt"])
    return media_file


async def set_avatar(actor: User | None, media_id: int | None) -> User:
    """Use one of the member's own uploaded images as their avatar (None removes it)."""
    member = require_member(actor)
    if media_id is not None:
        media_file = await MediaFile.filter(id=media_id).first()
        if media_file is None or media_file.owner_id != member.id:
            raise NotFound("No such file among your uploads.", field="mediaId")
        if media_file.kind != MediaKind.IMAGE:
            raise Invalid("An avatar must be an image.", field="mediaId")
        if media_file.private and await Attachment.filter(media_file_id=media_file.id).exists():
            raise Invalid("A file attached to something private cannot be an avatar.", field="mediaId")
    async with transaction():
        member.avatar_id = media_id
        await User.filter(id=member.id).update(avatar_id=media_id)
        if media_id is not None:
            await set_private([media_id], False)  # avatars are public
    return member


async def set_private(media_ids: Iterable[int], private: bool) -> int:
    """Mark files as attached to something not public (served by signed URLs only) or not."""
    ids = list(set(media_ids))
    if not ids:
        return 0
    return await MediaFile.filter(id__in=ids).update(private=private)
