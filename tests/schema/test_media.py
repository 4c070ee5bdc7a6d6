"""Media through GraphQL: multipart uploads (and their CSRF header), refusals that change
nothing, the viewer's files with fixed query counts, avatars on profiles."""

from __future__ import annotations

import json

from api.models.accounts import Sanction, SanctionKind, User
from api.models.media import MediaFile, MediaKind, MediaPurpose, MediaVariant
from tests.media import samples
from tests.media.stored import stored_files

UPLOAD = """
mutation($input: UploadMediaInput!) {
  uploadMedia(input: $input) {
    mediaFile { id kind mimeType size sha256 width height duration alt filename url placeholderColor
                variants { name mimeType width height url } }
    errors { field code message }
  }
}"""
DELETE = """
mutation($input: DeleteMediaInput!) { deleteMedia(input: $input) { deletedId errors { field code message } } }
"""
UPDATE = """
mutation($input: UpdateMediaInput!) { updateMedia(input: $input) { mediaFile { alt } errors { field code } } }
"""
SET_AVATAR = """
mutation($input: SetAvatarInput!) {
  setAvatar(input: $input) { user { username avatar { id url variants { name url } } } errors { field code } }
}"""
MY_MEDIA = """
query($first: Int) {
  myMedia(first: $first) {
    totalCount
    nodes { id kind url urlForWidth(width: 600) variants { name url } owner { username avatar { url } } }
  }
}"""
PROFILE = "query($u: String!) { user(username: $u) { username avatar { url placeholder variants { name width } } } }"
USAGE = "{ mediaUsage { usedBytes quotaBytes } }"


async def post_upload(
    client,
    token: str | None,
    data: bytes,
    filename: str,
    *,
    content_type: str = "image/jpeg",
    purpose: str = "POST",
    alt: str = "",
    csrf: bool = True,
):
    operations = {"query": UPLOAD, "variables": {"input": {"file": None, "purpose": purpose, "alt": alt}}}
    headers = {"GraphQL-Require-Preflight": "1"} if csrf else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post(
        "/graphql",
        headers=headers,
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (filename, data, content_type)},
    )


async def upload(client, token, data, filename, **kw) -> dict:
    response = await post_upload(client, token, data, filename, **kw)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]["uploadMedia"]


async def test_upload_an_image_through_multipart(client, factory, app_settings):
    user, token = await factory.member_with_token()
    payload = await upload(client, token, samples.jpeg_with_gps(), "holiday.jpg", alt="Flag")
    assert payload["errors"] == []
    media_file = payload["mediaFile"]
    assert (media_file["kind"], media_file["mimeType"], media_file["width"], media_file["height"]) == (
        "IMAGE",
        "image/jpeg",
        20,
        40,
    )
    assert media_file["alt"] == "Flag" and media_file["filename"] == "holiday.jpg"
    # A fresh upload is private to its owner until something public uses it: its URL is signed.
    assert media_file["url"].startswith(f"/media/{media_file['sha256']}.jpg?exp=")
    assert {v["name"] for v in media_file["variants"]} == {"small", "original"}
    image = await client.get(media_file["variants"][0]["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
    assert await MediaFile.filter(owner_id=user.id).count() == 1


async def test_png_named_jpg_sent_as_jpeg_is_stored_as_png(client, factory):
    _, token = await factory.member_with_token()
    payload = await upload(client, token, samples.image_bytes("PNG"), "photo.jpg", content_type="image/jpeg")
    assert payload["mediaFile"]["mimeType"] == "image/png" and ".png?exp=" in payload["mediaFile"]["url"]


async def test_html_posing_as_an_image_is_a_user_error_and_nothing_is_kept(client, factory, app_settings):
    _, token = await factory.member_with_token()
    before = stored_files(app_settings)
    payload = await upload(client, token, samples.HTML_AS_IMAGE, "cat.jpg", content_type="image/jpeg")
    assert payload["mediaFile"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "UNSUPPORTED_MEDIA_TYPE")]
    assert await MediaFile.all().count() == 0 and stored_files(app_settings) == before


async def test_audio_resource_reports_its_duration(client, factory):
    _, token = await factory.member_with_token()
    payload = await upload(
        client, token, samples.wav_bytes(2.0), "talk.mp3", content_type="audio/mpeg", purpose="RESOURCE"
    )
    assert payload["mediaFile"]["kind"] == "AUDIO" and payload["mediaFile"]["mimeType"] == "audio/wav"
    assert payload["mediaFile"]["duration"] == 2.0 and payload["mediaFile"]["width"] is None


async def test_multipart_without_the_csrf_header_is_refused(client, factory, app_settings):
    _, token = await factory.member_with_token()
    before = stored_files(app_settings)
    response = await post_upload(client, token, samples.image_bytes(), "a.png", csrf=False)
    assert response.status_code == 400 and "GraphQL-Require-Preflight" in response.text
    assert await MediaFile.all().count() == 0 and stored_files(app_settings) == before


async def test_anonymous_and_muted_members_cannot_upload_and_nothing_changes(client, factory, app_settings):
    before = stored_files(app_settings)
    # Refused before the body is read (tests/platform/test_upload_gate.py).
    response = await post_upload(client, None, samples.image_bytes(), "a.png")
    assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    muted, token = await factory.member_with_token()
    await Sanction.create(user=muted, kind=SanctionKind.MUTE, reason="spam")
    response = await post_upload(client, token, samples.image_bytes(), "a.png")
    assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "SANCTIONED"
    assert await MediaFile.all().count() == 0 and await MediaVariant.all().count() == 0
    assert stored_files(app_settings) == before


async def test_only_the_owner_deletes_and_a_refusal_changes_nothing(gql, client, factory, app_settings):
    owner, owner_token = await factory.member_with_token()
    _, other_token = await factory.member_with_token()
    media_id = (await upload(client, owner_token, samples.pdf_bytes(), "a.pdf", purpose="RESOURCE"))["mediaFile"]["id"]
    refused = (await gql(DELETE, {"input": {"mediaId": media_id}}, token=other_token))["deleteMedia"]
    # Another member's fresh upload does not exist for them.
    assert refused["errors"][0]["code"] == "NOT_FOUND" and refused["deletedId"] is None
    assert await MediaFile.filter(owner_id=owner.id).count() == 1
    done = (await gql(DELETE, {"input": {"mediaId": media_id}}, token=owner_token))["deleteMedia"]
    assert done == {"deletedId": media_id, "errors": []}
    assert await MediaFile.all().count() == 0


async def test_avatar_appears_on_the_profile(gql, client, factory):
    user, token = await factory.member_with_token()
    media_id = (await upload(client, token, samples.image_bytes("PNG", (400, 400)), "me.png", purpose="AVATAR"))[
        "mediaFile"
    ]["id"]
    _, other_token = await factory.member_with_token()
    refused = (await gql(SET_AVATAR, {"input": {"mediaId": media_id}}, token=other_token))["setAvatar"]
    assert refused["errors"][0]["code"] == "NOT_FOUND" and refused["user"] is None
    assert (await User.filter(avatar_id__isnull=False).count()) == 0

    payload = (await gql(SET_AVATAR, {"input": {"mediaId": media_id}}, token=token))["setAvatar"]
    assert payload["errors"] == [] and payload["user"]["avatar"]["id"] == media_id
    profile = (await gql(PROFILE, {"u": user.username}))["user"]
    assert profile["avatar"]["placeholder"].startswith("data:image/webp;base64,")
    assert {v["name"]: v["width"] for v in profile["avatar"]["variants"]} == {"small": 160, "original": 400}
    cleared = (await gql(SET_AVATAR, {"input": {"mediaId": None}}, token=token))["setAvatar"]
    assert cleared["user"]["avatar"] is None


async def test_usage_counts_every_stored_rendition(gql, client, factory, app_settings):
    _, token = await factory.member_with_token()
    await upload(client, token, samples.image_bytes("PNG", (900, 700)), "a.png")
    usage = (await gql(USAGE, token=token))["mediaUsage"]
    assert usage["quotaBytes"] == app_settings.media_quota_bytes
    assert usage["usedBytes"] == sum(await MediaVariant.all().values_list("size", flat=True)) > 0
    assert (await gql(USAGE))["mediaUsage"] is None


async def _many_files(owner: User, count: int) -> None:
    for index in range(count):
        media_file = await MediaFile.create(
            owner=owner,
            purpose=MediaPurpose.POST,
            kind=MediaKind.IMAGE,
            mime_type="image/png",
            size=100,
            sha256=f"{index:064x}",
            source_sha256=f"{index:064x}",
            width=800,
            height=600,
        )
        await MediaVariant.bulk_create(
            [
                MediaVariant(
                    media_file=media_file,
                    name="original",
                    sha256=f"{index:064x}",
                    mime_type="image/png",
                    size=100,
                    width=800,
                    height=600,
                ),
                MediaVariant(
                    media_file=media_file,
                    name="medium",
                    sha256=f"{index + 1000:064x}",
                    mime_type="image/webp",
                    size=50,
                    width=640,
                    height=480,
                ),
            ]
        )


async def test_my_media_page_costs_the_same_queries_for_5_or_50(gql, factory, count_queries):
    owner, token = await factory.member_with_token()
    await _many_files(owner, 50)
    owner.avatar_id = (await MediaFile.filter(owner=owner).first()).id
    await owner.save(update_fields=["avatar_id"])
    await gql(MY_MEDIA, {"first": 1}, token=token)  # first request of the token records last_seen_at
    costs = {}
    for first in (5, 50):
        with count_queries as counter:
            data = (await gql(MY_MEDIA, {"first": first}, token=token))["myMedia"]
        assert len(data["nodes"]) == first and data["totalCount"] == 50
        assert all(n["owner"]["avatar"]["url"].startswith("/media/") for n in data["nodes"])
        assert all(n["urlForWidth"].endswith(".webp") for n in data["nodes"])
        costs[first] = counter.count
    assert costs[5] == costs[50], costs


async def test_private_files_get_signed_urls_and_stay_hidden_from_others(gql, client, factory):
    owner, token = await factory.member_with_token()
    _, other_token = await factory.member_with_token()
    media_id = (await upload(client, token, samples.pdf_bytes(), "minutes.pdf", purpose="RESOURCE"))["mediaFile"]["id"]
    await MediaFile.filter(owner_id=owner.id).update(private=True)
    node = "query($id: ID!) { node(id: $id) { ... on MediaFile { url } } }"
    url = (await gql(node, {"id": media_id}, token=token))["node"]["url"]
    assert "?exp=" in url and "&sig=" in url
    assert (await client.get(url)).status_code == 200
    assert (await client.get(url.split("?")[0])).status_code == 403
    assert (await gql(node, {"id": media_id}, token=other_token))["node"] is None
    assert (await gql(node, {"id": media_id}))["node"] is None


def test_markdown_keeps_embedded_media_images():
    from api.markdown import render

    sha = "ab" * 32
    html = render(f"![A cat](/media/{sha}.webp) and ![cdn](https://cdn.example.org/media/{sha}.jpg)")
    assert f'<img src="/media/{sha}.webp" alt="A cat">' in html
    assert f'<img src="https://cdn.example.org/media/{sha}.jpg" alt="cdn">' in html
    assert "<img" not in render("![x](javascript:alert(1))").replace("&lt;img", "")


async def test_alt_text_is_changed_by_the_owner_only_and_limited(gql, client, factory, app_settings):
    owner, token = await factory.member_with_token()
    _, other_token = await factory.member_with_token()
    media_id = (await upload(client, token, samples.image_bytes(), "a.png", alt="Before"))["mediaFile"]["id"]
    refused = (await gql(UPDATE, {"input": {"mediaId": media_id, "alt": "Hijacked"}}, token=other_token))["updateMedia"]
    assert refused == {"mediaFile": None, "errors": [{"field": "mediaId", "code": "NOT_FOUND"}]}
    too_long = "x" * (app_settings.media_max_alt_length + 1)
    invalid = (await gql(UPDATE, {"input": {"mediaId": media_id, "alt": too_long}}, token=token))["updateMedia"]
    assert invalid["errors"] == [{"field": "alt", "code": "INVALID"}]
    assert (await MediaFile.get(owner_id=owner.id)).alt == "Before"
    done = (await gql(UPDATE, {"input": {"mediaId": media_id, "alt": "  A blue square "}}, token=token))["updateMedia"]
    assert done == {"mediaFile": {"alt": "A blue square"}, "errors": []}


async def test_a_file_sent_as_a_json_string_is_a_user_error(gql, factory):
    _, token = await factory.member_with_token()
    data = await gql(UPLOAD, {"input": {"file": "/etc/passwd", "purpose": "POST"}}, token=token)
    assert data["uploadMedia"]["errors"] == [
        {"field": "file", "code": "INVALID", "message": "Send the file as a part of a multipart request."}
    ]
    assert await MediaFile.all().count() == 0
