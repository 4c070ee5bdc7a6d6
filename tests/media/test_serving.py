"""The /media route: headers, ranges, conditional requests, documents, signed private URLs."""

from __future__ import annotations

import io

import pytest

from api.domain import media
from api.models.media import MediaFile, MediaPurpose
from media.urls import media_url
from tests.media import samples


async def stored(
    user, settings, data: bytes, name: str = "file.bin", purpose=MediaPurpose.RESOURCE, *, public: bool = True
) -> MediaFile:
    """An upload; by default made public, as when something public uses it (uploads start private)."""
    uploaded = await media.upload(user, media.UploadedFile(name, io.BytesIO(data)), purpose, "", settings=settings)
    if public:
        await media.set_private([uploaded.id], False)
        uploaded.private = False
    return uploaded


def path_of(settings, media_file: MediaFile, ext: str, **kw) -> str:
    return media_url(settings.replace(media_url_prefix="/media"), media_file.sha256, ext, **kw)


@pytest.fixture
async def video(factory, app_settings):
    user = await factory.user()
    data = samples.mp4_bytes() + bytes(range(256)) * 40  # 10 kB of distinct bytes
    return data, await stored(user, app_settings, data, "clip.mp4")


async def test_public_file_headers(client, app_settings, video):
    data, media_file = video
    response = await client.get(path_of(app_settings, media_file, "mp4"))
    assert response.status_code == 200 and response.content == data
    headers = response.headers
    assert headers["content-type"] == "video/mp4"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["etag"] == f'"{media_file.sha256}"'
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["accept-ranges"] == "bytes"
    assert "content-disposition" not in headers
    again = await client.get(path_of(app_settings, media_file, "mp4"), headers={"If-None-Match": headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "header,start,end",
    [
        ("bytes=0-99", 0, 100),  # first bytes
        ("bytes=4000-5999", 4000, 6000),  # middle
        ("bytes=-500", None, None),  # suffix: the last 500
    ],
)
async def test_range_requests(client, app_settings, video, header, start, end):
    data, media_file = video
    size = len(data)
    if start is None:
        start, end = size - 500, size
    response = await client.get(path_of(app_settings, media_file, "mp4"), headers={"Range": header})
    assert response.status_code == 206
    assert response.content == data[start:end]
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{size}"
    assert response.headers["content-type"] == "video/mp4"


async def test_unsatisfiable_range_is_416(client, app_settings, video):
    data, media_file = video
    response = await client.get(path_of(app_settings, media_file, "mp4"), headers={"Range": f"bytes={len(data) + 10}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(data)}"


async def test_documents_are_downloads(client, factory, app_settings):
    media_file = await stored(await factory.user(), app_settings, samples.pdf_bytes(), "Annual report.pdf")
    response = await client.get(path_of(app_settings, media_file, "pdf"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "Annual%20report.pdf" in response.headers["content-disposition"]


async def test_unknown_names_and_wrong_extensions_are_404(client, factory, app_settings):
    media_file = await stored(await factory.user(), app_settings, samples.pdf_bytes())
    assert (await client.get(path_of(app_settings, media_file, "html"))).status_code == 404
    assert (await client.get("/media/" + "0" * 64 + ".pdf")).status_code == 404
    assert (await client.get("/media/..%2F..%2Fetc%2Fpasswd")).status_code == 404


async def test_private_files_need_a_valid_unexpired_signature(client, factory, app_settings):
    media_file = await stored(await factory.user(), app_settings, samples.wav_bytes(0.2), "talk.wav")
    await media.set_private([media_file.id], True)
    plain = path_of(app_settings, media_file, "wav")
    assert (await client.get(plain)).status_code == 403
    signed = path_of(app_settings, media_file, "wav", signed=True)
    response = await client.get(signed, headers={"Range": "bytes=0-43"})
    assert response.status_code == 206 and response.content[:4] == b"RIFF"
    assert response.headers["cache-control"].startswith("private, max-age=")
    tampered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    assert (await client.get(tampered)).status_code == 403
    expired = path_of(app_settings, media_file, "wav", signed=True, at=0)
    assert (await client.get(expired)).status_code == 403
    other = await stored(await factory.user(), app_settings, samples.wav_bytes(0.3), "other.wav")
    moved = signed.replace(media_file.sha256, other.sha256)  # a signature is for one file only
    await media.set_private([other.id], True)
    assert (await client.get(moved)).status_code == 403


async def test_embedded_images_of_private_content_are_signed_only_when_allowed(client, factory, app_settings):
    from api.markdown import render
    from media.urls import sign_embedded

    image = await stored(await factory.user(), app_settings, samples.image_bytes(), "a.png", MediaPurpose.POST)
    await media.set_private([image.id], True)
    plain = path_of(app_settings, image, "png")
    html = render(f"![a chart]({plain}) and [a link](https://example.org/x.png)")
    settings = app_settings.replace(media_url_prefix="/media")
    signed_html = sign_embedded(html, settings, {image.sha256})
    assert "https://example.org/x.png" in signed_html
    src = signed_html.split('src="')[1].split('"')[0].replace("&amp;", "&")
    assert src.startswith(plain + "?exp=")
    assert (await client.get(plain)).status_code == 403
    assert (await client.get(src)).status_code == 200
    assert sign_embedded(signed_html, settings, {image.sha256}) == signed_html
    # Not among the content's own files: never signed, and a signature copied into the text is dropped.
    assert sign_embedded(html, settings, set()) == html
    assert sign_embedded(signed_html, settings, set()) == html
