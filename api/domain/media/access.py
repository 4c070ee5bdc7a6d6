"""Who may read a media file (its bytes, and its record: `sha256`, `filename`, `owner`).

A public file (used by public content, or an avatar) is readable by everyone. A private one by its
owner; by staff while no content uses it (a fresh upload: staff can see spam uploads); and else by
whoever may read content that uses it, as the readers of the owning domains decide (their
manifests' `media_readers`, built on those domains' read policies), staff included: moderators
see a private file only where they may see the content using it. Uploads start private.
"""

from __future__ import annotations

from typing import Any

from api.db import column
from api.models.accounts import User
from api.models.attachments import Attachment
from api.models.media import MediaFile, MediaVariant
from api.policies import is_staff
from api.policy import ReadPolicy
from api.registry import registry


async def readable(viewer: User | None, files: list[MediaFile]) -> set[int]:
    """Ids of `files` the viewer may read (see the module's docstring)."""
    allowed = {f.id for f in files if not f.private}
    if viewer is None:
        return allowed
    allowed |= {f.id for f in files if f.owner_id == viewer.id}
    pending = [f for f in files if f.id not in allowed]
    if pending and is_staff(viewer):
        used = set(await column(Attachment.filter(media_file_id__in=[f.id for f in pending]), "media_file_id"))
        allowed |= {f.id for f in pending if f.id not in used}
        pending = [f for f in pending if f.id not in allowed]
    if pending:
        for check in registry().media_readers:
            allowed |= await check(viewer, pending) & {f.id for f in pending}
            pending = [f for f in pending if f.id not in allowed]
            if not pending:
                break
    return allowed


async def blob_for_serving(sha256: str) -> MediaVariant | None:
    """A variant with these bytes that belongs to a public file (served without signature),
    else any variant with these bytes (served only with a valid signature), else None."""
    rows = await MediaVariant.filter(sha256=sha256).select_related("media_file").limit(50)
    for row in rows:
        if not row.media_file.private:
            return row
    return rows[0] if rows else None


async def _filter_files(viewer: User | None, rows: list[MediaFile], memo: dict[str, Any]) -> list[MediaFile]:
    allowed = await readable(viewer, rows)
    return [r for r in rows if r.id in allowed]


READ_POLICIES = (
    ReadPolicy(
        MediaFile,
        None,
        _filter_files,
        "Public files to everyone; private ones to their owner, to staff while unused, and to whoever "
        "may read content that uses them.",
    ),
)
