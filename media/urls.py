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

from api.settings import Settings

EXPIRY_STEP_SECONDS = 300


def file_name(sha256: str, extension: str) -> str:
    return f"{sha256}.{extension}"


def _signature(settings: Settings, name: str, expires: int) -> str:
    mac = hmac.new(settings.signing_key, f"{name}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def media_url(settings: Settings, sha256: str, extension: str, *, signed: bool = False,
              at: float | None = None) -> str:
    """The URL of a stored blob; `signed` adds an expiring signature (for private files)."""
    name = file_name(sha256, extension)
    url = f"{settings.media_url_prefix.rstrip('/')}/{name}"
    if not signed:
        return url
    moment = time.time() if at is None else at
    expires = math.ceil((moment + settings.media_signed_url_seconds) / EXPIRY_STEP_SECONDS)
    expires *= EXPIRY_STEP_SECONDS
    return f"{url}?exp={expires}&sig={_signature(settings, name, expires)}"


def verify(settings: Settings, name: str, expires: str | None, signature: str | None,
           *, at: float | None = None) -> int | None:
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


def sign_embedded(html: str, settings: Settings, *, at: float | None = None) -> str:
    """Rendered HTML with every media URL signed: content in a private place (a private space,
    a members-only article) embeds images that are served only with a signature. URLs already
    carrying a query are left as they are."""
    prefix = re.escape(settings.media_url_prefix.rstrip("/"))
    pattern = re.compile(prefix + r"/([0-9a-f]{64})\.([a-z0-9]{2,5})(?![?\w.])")

    def sign(match: re.Match[str]) -> str:
        url = media_url(settings, match.group(1), match.group(2), signed=True, at=at)
        return url.replace("&", "&amp;")  # inside an HTML attribute

    return pattern.sub(sign, html)
