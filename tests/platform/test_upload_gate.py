"""Multipart bodies are refused for anonymous (and muted) callers before a byte is read."""

from __future__ import annotations

import json

from api.models.accounts import Sanction, SanctionKind

MB = 1_000_000
UPLOAD = "mutation($file: Upload!) { uploadMedia(input: {file: $file, purpose: POST}) { errors { code } } }"


class Body:
    """A 200 MB multipart body, produced on demand; counts what the server pulled of it."""

    def __init__(self, size: int = 200 * MB) -> None:
        self.size = size
        self.read = 0
        boundary = "guildhall-test-boundary"
        self.content_type = f"multipart/form-data; boundary={boundary}"
        operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
        self.head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.file"]}}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()

    async def __aiter__(self):
        chunk = b"\0" * MB
        yield self.head
        sent = len(self.head) + len(self.tail)
        while sent < self.size:
            part = chunk[: self.size - sent]
            self.read += len(part)
            sent += len(part)
            yield part
        yield self.tail


async def post(client, body: Body, token: str | None = None):
    headers = {"Content-Type": body.content_type, "Content-Length": str(body.size), "GraphQL-Require-Preflight": "1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post("/graphql", content=body, headers=headers)


async def test_anonymous_200mb_multipart_is_refused_without_reading_it(client):
    body = Body()
    response = await post(client, body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {
        "errors": [
            {
                "message": "Sign in to upload: multipart requests need a valid `Authorization: Bearer <token>` header.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    assert body.read == 0


async def test_invalid_tokens_and_muted_members_are_refused_before_the_body(client, factory):
    body = Body()
    assert (await post(client, body, token="gh_not-a-real-token")).status_code == 401
    muted, token = await factory.member_with_token()
    await Sanction.create(user=muted, kind=SanctionKind.MUTE, reason="spam")
    response = await post(client, body, token=token)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"] == {"code": "SANCTIONED"}
    assert body.read == 0


async def test_members_still_upload(client, factory):
    _, token = await factory.member_with_token()
    body = Body(size=2 * MB)
    response = await post(client, body, token=token)
    assert response.status_code == 200
    assert body.read > 0  # read and answered as usual (the zeros are no image)
    assert response.json()["data"]["uploadMedia"]["errors"][0]["code"] == "UNSUPPORTED_MEDIA_TYPE"
