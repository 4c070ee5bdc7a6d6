"""The `/media/<sha256>.<ext>` route.

Content-addressed files never change, so public ones are cached for a year (`immutable`) with
the sha256 as ETag. The Content-Type comes from the database (decided when the file was
sniffed), with `nosniff` so browsers never guess another one, and a sandboxing CSP in case a
file is opened directly. Documents are always downloads (`Content-Disposition: attachment`).
Range requests (206, 416 for unsatisfiable ranges) come from Starlette's `FileResponse`, so
audio and video can seek. Files of private things need a valid signature (`media.urls`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.models.media import MediaKind
from media.sniff import BY_MIME
from media.storage import get_storage, is_sha256
from media.urls import verify

PUBLIC_CACHE = "public, max-age=31536000, immutable"


def _not_found() -> Response:
    return PlainTextResponse("Not found.", status_code=404, headers={"x-content-type-options": "nosniff"})


async def serve_media(request: Request) -> Response:
    from api.domain.media import blob_for_serving

    settings = request.app.state.settings
    name = request.path_params["name"]
    sha256, _, extension = name.partition(".")
    if not is_sha256(sha256):
        return _not_found()
    variant = await blob_for_serving(sha256)
    if variant is None or BY_MIME.get(variant.mime_type) is None:
        return _not_found()
    # Only the one extension that matches the stored type is served.
    if extension != _extension(variant.mime_type):
        return _not_found()
    media_file = variant.media_file
    if media_file.private:
        left = verify(settings, name, request.query_params.get("exp"), request.query_params.get("sig"))
        if left is None:
            return PlainTextResponse(
                "This link is not valid or has expired.",
                status_code=403,
                headers={"x-content-type-options": "nosniff", "cache-control": "no-store"},
            )
        cache_control = f"private, max-age={left}"
    else:
        cache_control = PUBLIC_CACHE
    storage = get_storage(settings)
    path = storage.local_path(sha256)
    if path is None and not storage.remote:
        return _not_found()
    etag = f'"{sha256}"'
    headers = {
        "etag": etag,
        "cache-control": cache_control,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "cross-origin",
    }
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    filename = None
    if media_file.kind == MediaKind.DOCUMENT:
        filename = media_file.filename or name
        if not filename.lower().endswith("." + extension):
            filename = f"{filename}.{extension}"
    if path is None:  # object storage: proxied, so the rules above hold whatever the bucket's policy
        from media.remote_response import remote_response
        from media.storage_s3 import S3Storage

        assert isinstance(storage, S3Storage)  # the only storage without local paths (checked above)

        return await remote_response(request, storage, sha256, headers, variant.mime_type, filename)
    if filename is not None:
        return FileResponse(
            path,
            headers=headers,
            media_type=variant.mime_type,
            filename=filename,
            content_disposition_type="attachment",
        )
    return FileResponse(path, headers=headers, media_type=variant.mime_type)


def _extension(mime_type: str) -> str:
    return BY_MIME[mime_type].extension


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def routes() -> list[Route]:
    return [Route("/media/{name}", serve_media, methods=["GET", "HEAD"])]
