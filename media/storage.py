"""Where media bytes live: a small `Storage` interface and its local filesystem implementation.

Blobs are content-addressed by sha256, so identical bytes are stored once. A write goes to a
temporary file in the same folder tree, is flushed to disk, then renamed into place: rename is
atomic, so a crash never leaves a half-written file under a name that is served.

Methods are synchronous (file I/O); async callers wrap them in `asyncio.to_thread`. Whether a
blob is still used by some record is the database's business (`api.domain.media`): storage
deletes what it is told to.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from api.settings import Settings

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


class BlobTooLarge(Exception):
    """A streamed blob went over the size limit; nothing was stored."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same bytes were already stored


class Storage(Protocol):
    # True when blobs are not files here (`local_path` is None): served through `media.remote_response`.
    remote: bool

    def describe(self) -> str:
        """Where the blobs are, for messages."""

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store `data` under its sha256 (a no-op when already present)."""

    def put_stream(self, stream: BinaryIO, limit: int) -> StoredBlob:
        """Store a stream, hashing as it is copied; `BlobTooLarge` past `limit` bytes."""

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Remove a blob (missing is fine)."""

    def local_path(self, sha256: str) -> Path | None:
        """A filesystem path to serve the blob from, or None when it is not stored (or when
        the storage is remote: see `media.storage_s3`)."""

    def read_bytes(self, sha256: str) -> bytes | None:
        """The blob's bytes, or None when it is not stored."""

    def blobs(self) -> Iterator[str]:
        """The sha256 of every stored blob."""

    def blobs_older_than(self, seconds: float) -> Iterator[str]:
        """The sha256 of every blob stored more than `seconds` ago."""

    def remove_stale_temp(self, seconds: float) -> int:
        """Remove temporary files older than `seconds` (left by a crash); how many."""


def is_sha256(value: str) -> bool:
    return bool(_SHA256_RE.match(value))


class LocalStorage:
    """Blobs at `<root>/<ab>/<cd>/<sha256>`; temporary files in `<root>/.tmp`."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / ".tmp"

    def _path(self, sha256: str) -> Path:
        if not is_sha256(sha256):  # never build a path from anything but a hex digest
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _temp(self) -> tuple[BinaryIO, str]:
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        return os.fdopen(fd, "wb"), name

    def _commit(self, temp_name: str, sha256: str, size: int) -> StoredBlob:
        target = self._path(sha256)
        if target.exists():
            os.unlink(temp_name)
            return StoredBlob(sha256, size, created=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
        return StoredBlob(sha256, size, created=True)

    def put_bytes(self, data: bytes) -> StoredBlob:
        sha256 = hashlib.sha256(data).hexdigest()
        if self._path(sha256).exists():
            return StoredBlob(sha256, len(data), created=False)
        out, name = self._temp()
        try:
            with out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(name, sha256, len(data))
        except BaseException:
            _unlink_quietly(name)
            raise

    def put_stream(self, stream: BinaryIO, limit: int) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        out, name = self._temp()
        try:
            with out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise BlobTooLarge()
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(name, digest.hexdigest(), size)
        except BaseException:
            _unlink_quietly(name)
            raise

    def exists(self, sha256: str) -> bool:
        return is_sha256(sha256) and self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        if is_sha256(sha256):
            _unlink_quietly(str(self._path(sha256)))

    def local_path(self, sha256: str) -> Path | None:
        if not is_sha256(sha256):
            return None
        path = self._path(sha256)
        return path if path.is_file() else None

    def read_bytes(self, sha256: str) -> bytes | None:
        path = self.local_path(sha256)
        return None if path is None else path.read_bytes()

    def blobs(self) -> Iterator[str]:
        return self.blobs_older_than(float("-inf"))

    def describe(self) -> str:
        return str(self.root)

    def blobs_older_than(self, seconds: float) -> Iterator[str]:
        cutoff = time.time() - seconds
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if is_sha256(path.name) and _mtime(path) < cutoff:
                yield path.name

    def remove_stale_temp(self, seconds: float) -> int:
        cutoff = time.time() - seconds
        removed = 0
        for path in self._tmp.glob("upload-*") if self._tmp.exists() else ():
            if _mtime(path) < cutoff:
                _unlink_quietly(str(path))
                removed += 1
        return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


_storages: dict[Path, LocalStorage] = {}


def get_storage(where: Settings | Path) -> Storage:
    """The media storage of `settings` (object storage when `MEDIA_STORAGE_URL` is set, else
    the folder `MEDIA_ROOT`), or of a media folder. One instance per place."""
    from api.settings import Settings

    if isinstance(where, Settings):
        if where.media_storage_url:
            from media.storage_s3 import s3_storage

            return s3_storage(where.media_storage_url, where.aws_access_key_id, where.aws_secret_access_key)
        where = where.media_root
    root = Path(where)
    if root not in _storages:
        _storages[root] = LocalStorage(root)
    return _storages[root]
