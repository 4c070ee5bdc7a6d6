"""Who may read private files: owners, staff, and whoever the readers other domains register
say (a private file is attached to something not public, e.g. a members-only resource)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from api.models.accounts import User
from api.models.media import MediaFile, MediaVariant
from api.policies import is_staff

Reader = Callable[[User, list[MediaFile]], Awaitable[set[int]]]
_readers: list[Reader] = []


def reader(check: Reader) -> Reader:
    """Register a check: given a viewer and private files, the ids of those the viewer may read
    because of what they are attached to (decorator; domains that attach files register one)."""
    if check not in _readers:
        _readers.append(check)
    return check


async def readable(viewer: User | None, files: list[MediaFile]) -> set[int]:
    """Ids of `files` the viewer may read: public ones, their own, staff all; else ask readers."""
    allowed = {f.id for f in files if not f.private}
    if viewer is None:
        return allowed
    if is_staff(viewer):
        return {f.id for f in files}
    allowed |= {f.id for f in files if f.owner_id == viewer.id}
    pending = [f for f in files if f.id not in allowed]
    if pending:
        import api.wiring  # noqa: F401 - make sure every domain's readers are registered

        for check in _readers:
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
