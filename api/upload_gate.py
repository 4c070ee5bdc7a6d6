"""Uploads are for members: a multipart request is refused before its body is read unless its
bearer token is valid and its member may post (not muted; banned tokens are invalid anyway).

Without this, anyone could make the server receive and parse MAX_UPLOAD_BYTES (200 MB by
default) before the mutation found out it was anonymous.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Scope

from api.domain.accounts import authenticate
from api.policies import active_restrictions, restriction_error

# Where the member found here is kept for the GraphQL context (no second lookup).
AUTH_STATE_KEY = "guildhall_upload_auth"


def is_multipart(scope: Scope) -> bool:
    return Headers(scope=scope).get("content-type", "").lower().startswith("multipart/")


def _refusal(status: int, message: str, code: str) -> JSONResponse:
    headers = {"Connection": "close"}  # the unread body makes the connection unusable
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="guildhall"'
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status, headers=headers
    )


async def multipart_refusal(scope: Scope) -> JSONResponse | None:
    """The response refusing this multipart request, or None when its caller may upload."""
    raw = Headers(scope=scope).get("authorization") or ""
    token = raw[7:].strip() if raw[:7].lower() == "bearer " else None
    found = await authenticate(token) if token else None
    if found is None:
        return _refusal(
            401,
            "Sign in to upload: multipart requests need a valid `Authorization: Bearer <token>` header.",
            "UNAUTHENTICATED",
        )
    if error := restriction_error(await active_restrictions(found[0].id)):
        return _refusal(403, error.message, "SANCTIONED")
    scope.setdefault("state", {})[AUTH_STATE_KEY] = found
    return None
