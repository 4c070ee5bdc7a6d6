"""Which content uses which media file, and the privacy of files that follows from it.

A file used only by content that is not public (a members-only resource, a draft article, a post
in a private space...) is private: served only through signed, expiring URLs. A file is public
as soon as one public record uses it, or it is a member's avatar. A file no content uses any more
keeps its privacy (what was private stays private). Domains that own content call `record` with
each changed item's publicness and files, in the transaction of the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from api.db import column
from api.domain.media import set_private
from api.models.accounts import User
from api.models.attachments import Attachment
from api.models.media import MediaFile, MediaVariant
from api.transactions import transaction

# A stored blob named in Markdown or HTML: `<prefix>/<sha256>.<ext>`, whatever the prefix.
_BLOB_NAME = re.compile(r"(?<![0-9a-f])([0-9a-f]{64})\.[a-z0-9]{2,5}(?![0-9a-z])")


@dataclass(frozen=True)
class Use:
    """What one piece of content uses now: whether it is public, and its media files."""

    public: bool
    media_ids: set[int] = field(default_factory=set)


def blob_names(text: str) -> set[str]:
    """sha256 of every stored blob named in the text."""
    return set(_BLOB_NAME.findall(text))


async def embedded_uploads(texts: Mapping[int, str], owners: Mapping[int, Iterable[int]]) -> dict[int, set[int]]:
    """Per item: its owners' uploads that its text embeds (`/media/<sha256>.<ext>`). Only the
    owners' own files count, so nobody can make another member's file private by quoting it."""
    names = {key: blob_names(text) for key, text in texts.items()}
    wanted = set().union(*names.values()) if names else set()
    if not wanted:
        return {key: set() for key in texts}
    rows = await MediaVariant.filter(sha256__in=sorted(wanted)).values_list(
        "sha256", "media_file_id", "media_file__owner_id"
    )
    found: dict[str, list[tuple[int, int | None]]] = {}
    for sha256, media_id, owner_id in rows:
        found.setdefault(sha256, []).append((media_id, owner_id))
    result: dict[int, set[int]] = {}
    for key, shas in names.items():
        allowed = set(owners.get(key, ()))
        result[key] = {media_id for sha in shas for media_id, owner_id in found.get(sha, []) if owner_id in allowed}
    return result


async def record(subject_type: str, uses: Mapping[int, Use]) -> None:
    """Replace the recorded uses of these items (an item gone or using nothing: an empty `Use`)
    and refresh the privacy of every file whose uses changed."""
    if not uses:
        return
    current = await Attachment.filter(subject_type=subject_type, subject_id__in=list(uses)).values_list(
        "media_file_id", "subject_id", "public"
    )
    wanted = {(m, key, use.public) for key, use in uses.items() for m in use.media_ids}
    if set(current) == wanted:
        return  # the common case: no upload embedded before or after
    async with transaction():
        await Attachment.filter(subject_type=subject_type, subject_id__in=list(uses)).delete()
        existing = set(await column(MediaFile.filter(id__in={m for m, _, _ in wanted}), "id")) if wanted else set()
        await Attachment.bulk_create(
            [
                Attachment(media_file_id=m, subject_type=subject_type, subject_id=key, public=public)
                for m, key, public in sorted(wanted)
                if m in existing
            ]
        )
        await refresh_privacy({m for m, _, _ in current} | existing)


async def set_public(subject_type: str, publicness: Mapping[int, bool]) -> None:
    """Only the publicness of items changed (their files did not): a space's audience, a
    moderator hiding something."""
    if not publicness:
        return
    rows = await Attachment.filter(subject_type=subject_type, subject_id__in=list(publicness)).values_list(
        "id", "media_file_id", "subject_id", "public"
    )
    stale = [(row_id, media_id, publicness[key]) for row_id, media_id, key, public in rows if public != publicness[key]]
    if not stale:
        return
    async with transaction():
        for flag in (True, False):
            ids = [row_id for row_id, _, public in stale if public is flag]
            if ids:
                await Attachment.filter(id__in=ids).update(public=flag)
        await refresh_privacy({media_id for _, media_id, _ in stale})


async def refresh_privacy(media_ids: Iterable[int]) -> None:
    """Make each file private when content uses it and none of that content is public (and it
    is no avatar), public when some public content uses it; unused files keep their state."""
    ids = sorted(set(media_ids))
    if not ids:
        return
    async with transaction():
        # Lock the files first: concurrent writers changing uses of one file then decide in
        # turn, each seeing the other's committed uses.
        await MediaFile.filter(id__in=ids).order_by("id").select_for_update().only("id")
        rows = await Attachment.filter(media_file_id__in=ids).values_list("media_file_id", "public")
        used = {media_id for media_id, _ in rows}
        public = {media_id for media_id, flag in rows if flag}
        public |= set(await column(User.filter(avatar_id__in=ids), "avatar_id"))
        await set_private(used - public, True)
        await set_private(public, False)


async def uses_of(media_ids: Iterable[int], subject_types: Iterable[str]) -> dict[str, dict[int, set[int]]]:
    """For readers: per subject type, the items using each of these files {item id: file ids}."""
    found: dict[str, dict[int, set[int]]] = {}
    rows = await Attachment.filter(media_file_id__in=list(media_ids), subject_type__in=list(subject_types)).values_list(
        "subject_type", "subject_id", "media_file_id"
    )
    for subject_type, subject_id, media_id in rows:
        found.setdefault(subject_type, {}).setdefault(subject_id, set()).add(media_id)
    return found


async def attached_blobs(subject_type: str, subject_ids: Iterable[int]) -> dict[int, set[str]]:
    """Per item: the sha256 of every stored blob (original and renditions) of the files recorded
    as used by it. Rendered HTML signs the URLs of these blobs only (`media.urls.sign_embedded`)."""
    ids = list(set(subject_ids))
    found: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return found
    uses = await Attachment.filter(subject_type=subject_type, subject_id__in=ids).values_list(
        "subject_id", "media_file_id"
    )
    if not uses:
        return found
    blobs: dict[int, set[str]] = {}
    for media_id, sha256 in await MediaVariant.filter(media_file_id__in={m for _, m in uses}).values_list(
        "media_file_id", "sha256"
    ):
        blobs.setdefault(media_id, set()).add(sha256)
    for subject_id, media_id in uses:
        found[subject_id] |= blobs.get(media_id, set())
    return found
