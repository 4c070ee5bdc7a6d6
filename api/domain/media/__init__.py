"""Media rules: upload (validate, process, store, record), a member's files, who may read what,
housekeeping. Plain async functions taking the acting member; no GraphQL here.

Every byte of an upload is hostile: the type is sniffed from the content (`media.sniff`),
images are fully decoded and re-encoded (`media.images`) off the event loop, and nothing is
stored until every check passed.

Other domains attach files to their objects (a resource, a private space...): they check the
file with `get_own`, call `set_private` when the object is not public (its URLs are then signed
and expire), and list a reader in their manifest's `media_readers` so that members who may read
the object may read the file too.
"""

from api.domain.media.access import blob_for_serving, readable
from api.domain.media.files import delete, get_own, set_avatar, set_private, update_alt
from api.domain.media.housekeeping import SWEEP_AFTER_SECONDS, sweep
from api.domain.media.limits import (
    PURPOSE_KINDS,
    QuotaExceeded,
    TooLarge,
    UnsupportedType,
    clean_filename,
    max_bytes,
    used_bytes,
)
from api.domain.media.uploads import UploadedFile, upload

__all__ = [
    "PURPOSE_KINDS",
    "SWEEP_AFTER_SECONDS",
    "QuotaExceeded",
    "TooLarge",
    "UnsupportedType",
    "UploadedFile",
    "blob_for_serving",
    "clean_filename",
    "delete",
    "get_own",
    "max_bytes",
    "readable",
    "set_avatar",
    "set_private",
    "sweep",
    "update_alt",
    "upload",
    "used_bytes",
]
