"""Media URLs: `<MEDIA_URL_PREFIX>/<sha256>.<ext>`, plus `?exp=&sig=` for private files.

A signature is an HMAC-SHA256 (key: `settings.signing_key`) of the file name and the expiry, so
a signed URL cannot be moved to another file or extended. Expiries are rounded up to a
5-minute step so the URL a viewer gets stays the same for a while (browser caches keep working).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import time
from collections.abc import Collection

from api.settings import Settings

EXPIRY_STEP_SECONDS = 300


def file_name(sha256: str, extension: str) -> str:
    return f"{sha256}.{extension}"


def _signature(settings: Settings, name: str, expires: int) -> str:
    mac = hmac.new(settings.signing_key, f"{name}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def media_url(settings: Settings, sha256: str, extension: str, *, signed: bool = False, at: float | None = None) -> str:
    """The URL of a stored blob; `signed` adds an expiring signature (for private files)."""
    name = file_name(sha256, extension)
    url = f"{settings.media_url_prefix.rstrip('/')}/{name}"
    if not signed:
        return url
    moment = time.time() if at is None else at
    expires = math.ceil((moment + settings.media_signed_url_seconds) / EXPIRY_STEP_SECONDS)
    expires *= EXPIRY_STEP_SECONDS
    return f"{url}?exp={expires}&sig={_signature(settings, name, expires)}"


def verify(
    settings: Settings, name: str, expires: str | None, signature: str | None, *, at: float | None = None
) -> int | None:
    """Seconds left of a valid, unexpired signature for `name`, or None."""
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        return None
    expiry = int(expires)
    left = expiry - int(time.time() if at is None else at)
    if left <= 0:
        return None
    if not hmac.compare_digest(_signature(settings, name, expiry), signature):
        return None
    return left


def sign_embedded(html: str, settings: Settings, allowed: Collection[str], *, at: float | None = None) -> str:
    """Rendered HTML with the media URLs of `allowed` blobs (sha256) signed: content that is not
    public embeds files that are served only with a signature. Only the blobs of files the
    content's authors attached are allowed (`api.domain.attachments.attached_blobs`): a URL of
    anyone else's file found in the text is never signed, and any query it carried (a signature
    copied from elsewhere) is dropped."""
    prefix = re.escape(settings.media_url_prefix.rstrip("/"))
    pattern = re.compile(prefix + r"/([0-9a-f]{64})\.([a-z0-9]{2,5})(?![\w.])(?:\?[^\s\"'<>]*)?")

    def sign(match: re.Match[str]) -> str:
        sha256, extension = match.group(1), match.group(2)
        url = media_url(settings, sha256, extension, signed=sha256 in allowed, at=at)
        return url.replace("&", "&amp;")  # inside an HTML attribute

    return pattern.sub(sign, html)
