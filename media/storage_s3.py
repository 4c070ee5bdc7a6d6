"""Media blobs in S3-compatible object storage (`MEDIA_STORAGE_URL=s3://bucket/prefix?endpoint=...`).

The same content-addressed layout as on disk (`<prefix>/<ab>/<cd>/<sha256>`), through obstore
(a Rust object-store client: its calls release the GIL, and it has async variants, used to
stream downloads). The `Storage` methods are synchronous like `LocalStorage`'s and are called
through `asyncio.to_thread`; serving uses the async ones.

Objects are written whole under their final name (a PUT, or a multipart upload completed in one
request), so a reader never sees half an object; a crash mid-upload leaves an incomplete
multipart upload that the bucket's lifecycle rule ("abort incomplete multipart uploads") cleans.
Downloads are proxied by `/media` (see `media.serving`), so private files keep their signed,
expiring URLs and public ones their caching, whatever the bucket's own policy is: the bucket
stays private.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import parse_qs, urlparse

import obstore
from obstore.store import S3Store

from media.storage import BlobTooLarge, StoredBlob, is_sha256

if TYPE_CHECKING:
    from obstore.store import ClientConfig, S3Config

_CHUNK = 1 << 20
_SPOOL_BYTES = 8 << 20  # uploads larger than this are spooled to a temporary file, not memory
_STREAM_CHUNK = 256 << 10


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str
    endpoint: str | None
    region: str


def parse_storage_url(url: str) -> S3Location:
    """`s3://bucket[/prefix][?endpoint=https://host:port&region=eu-west-1]`; ValueError if malformed."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError("expected s3://bucket/prefix?endpoint=...")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r} (endpoint, region)")
    endpoint = query.get("endpoint")
    if endpoint is not None and urlparse(endpoint).scheme not in {"http", "https"}:
        raise ValueError("endpoint must be an http(s):// URL")
    return S3Location(
        bucket=parsed.netloc, prefix=parsed.path.strip("/"), endpoint=endpoint, region=query.get("region", "us-east-1")
    )


def _key(sha256: str) -> str:
    if not is_sha256(sha256):  # never build a key from anything but a hex digest
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class S3Storage:
    """Blobs in a bucket (under an optional prefix). Credentials come from the settings
    (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), or else obstore's usual sources (the
    environment, an instance profile)."""

    remote = True

    def __init__(self, location: S3Location, *, access_key_id: str = "", secret_access_key: str = "") -> None:
        self.location = location
        config: S3Config = {"region": location.region}
        if location.endpoint:
            config["endpoint"] = location.endpoint
            config["virtual_hosted_style_request"] = False  # path-style, as self-hosted services expect
        if access_key_id:
            config["access_key_id"] = access_key_id
            config["secret_access_key"] = secret_access_key
        client_options: ClientConfig = {
            "allow_http": bool(location.endpoint and location.endpoint.startswith("http://")),
            "timeout": "60s",
            "connect_timeout": "10s",
        }
        self.store = S3Store(
            location.bucket, prefix=location.prefix or None, config=config, client_options=client_options
        )

    def describe(self) -> str:
        return f"s3://{self.location.bucket}/{self.location.prefix}"

    # The `Storage` protocol (synchronous; callers use asyncio.to_thread).
    def put_bytes(self, data: bytes) -> StoredBlob:
        sha256 = hashlib.sha256(data).hexdigest()
        if self.exists(sha256):
            return StoredBlob(sha256, len(data), created=False)
        obstore.put(self.store, _key(sha256), data)
        return StoredBlob(sha256, len(data), created=True)

    def put_stream(self, stream: BinaryIO, limit: int) -> StoredBlob:
        # The key is the sha256, known only at the end: spool, then upload under the final key.
        digest = hashlib.sha256()
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise BlobTooLarge()
                digest.update(chunk)
                spool.write(chunk)
            sha256 = digest.hexdigest()
            if self.exists(sha256):
                return StoredBlob(sha256, size, created=False)
            spool.seek(0)
            obstore.put(self.store, _key(sha256), spool.read() if size <= _SPOOL_BYTES else spool)
        return StoredBlob(sha256, size, created=True)

    def exists(self, sha256: str) -> bool:
        if not is_sha256(sha256):
            return False
        try:
            obstore.head(self.store, _key(sha256))
        except FileNotFoundError:
            return False
        return True

    def delete(self, sha256: str) -> None:
        if is_sha256(sha256):
            try:
                obstore.delete(self.store, _key(sha256))
            except FileNotFoundError:
                pass

    def local_path(self, sha256: str) -> None:
        return None  # never on local disk: served by `open_async`

    def read_bytes(self, sha256: str) -> bytes | None:
        try:
            return bytes(obstore.get(self.store, _key(sha256)).bytes())
        except FileNotFoundError:
            return None

    def blobs(self) -> Iterator[str]:
        for batch in obstore.list(self.store, chunk_size=1000):
            for meta in batch:
                name = meta["path"].rsplit("/", 1)[-1]
                if is_sha256(name):
                    yield name

    def blobs_older_than(self, seconds: float) -> Iterator[str]:
        cutoff = time.time() - seconds
        for batch in obstore.list(self.store, chunk_size=1000):
            for meta in batch:
                name = meta["path"].rsplit("/", 1)[-1]
                if is_sha256(name) and meta["last_modified"].timestamp() < cutoff:
                    yield name

    def remove_stale_temp(self, seconds: float) -> int:
        return 0  # nothing temporary is ever written to the bucket

    # Serving (async).
    async def size_async(self, sha256: str) -> int | None:
        try:
            meta = await obstore.head_async(self.store, _key(sha256))
        except FileNotFoundError:
            return None
        return int(meta["size"])

    async def open_async(self, sha256: str, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes [start, end) of a blob, as chunks."""
        result = await obstore.get_async(self.store, _key(sha256), options={"range": (start, end)})
        async for chunk in result.stream(min_chunk_size=_STREAM_CHUNK):
            yield bytes(chunk)


_storages: dict[tuple[str, str], S3Storage] = {}


def s3_storage(url: str, access_key_id: str = "", secret_access_key: str = "") -> S3Storage:
    """The storage of an `s3://` URL (one instance per URL and key)."""
    key = (url, access_key_id)
    if key not in _storages:
        _storages[key] = S3Storage(
            parse_storage_url(url), access_key_id=access_key_id, secret_access_key=secret_access_key
        )
    return _storages[key]
