"""Responses for blobs in object storage: the bytes streamed from the bucket through the app,
with the same headers, single byte ranges (206, 416) and HEAD answers as the disk's
`FileResponse`. Multi-range requests are answered with the whole file (allowed by RFC 9110)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from media.storage_s3 import S3Storage


def parse_range(header: str, size: int) -> tuple[int, int] | Literal[False] | None:
    """(start, end exclusive) of a single `bytes=` range; None when the header should be
    ignored (absent, malformed, several ranges); False when it cannot be satisfied."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first:  # suffix: the last N bytes
            length = int(last)
            if length <= 0:
                return False
            return max(size - length, 0), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start >= size or end <= start:
        return False
    return start, min(end, size)


async def remote_response(
    request: Request, storage: S3Storage, sha256: str, headers: dict[str, str], media_type: str, filename: str | None
) -> Response:
    size = await storage.size_async(sha256)
    if size is None:
        return PlainTextResponse("Not found.", status_code=404, headers={"x-content-type-options": "nosniff"})
    headers = {**headers, "accept-ranges": "bytes"}
    if filename is not None:
        quoted = quote(filename)
        headers["content-disposition"] = (
            f"attachment; filename*=utf-8''{quoted}" if quoted != filename else f'attachment; filename="{filename}"'
        )
    start, end, status = 0, size, 200
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if wanted and (if_range is None or if_range.strip() == headers["etag"]):
        chosen = parse_range(wanted, size)
        if chosen is False:
            return Response(status_code=416, headers={**headers, "content-range": f"bytes */{size}"})
        if chosen is not None:
            start, end = chosen
            status = 206
            headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
    headers["content-length"] = str(end - start)
    if request.method == "HEAD" or end == start:
        return Response(status_code=status, headers=headers, media_type=media_type)
    return StreamingResponse(
        storage.open_async(sha256, start, end), status_code=status, headers=headers, media_type=media_type
    )
