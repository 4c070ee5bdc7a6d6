"""What a test can see of stored media, whichever storage holds it."""

from __future__ import annotations

from typing import Any

from media.storage import get_storage


def stored_files(settings: Any) -> set[str]:
    """Every stored object: each file under MEDIA_ROOT (temporary ones too), or each blob in
    the bucket."""
    storage = get_storage(settings)
    if storage.remote:
        return set(storage.blobs())
    root = settings.media_root
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def blob_bytes(settings: Any, sha256: str) -> bytes:
    data = get_storage(settings).read_bytes(sha256)
    assert data is not None, f"blob {sha256} is not stored"
    return data
