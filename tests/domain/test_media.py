"""Media rules without GraphQL: sniffing, image cleaning, limits, quota, dedup and deletion.

Every refusal must leave nothing behind: no row, and no new file under MEDIA_ROOT."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from api.domain import media
from api.domain.media import uploads
from api.errors import DomainError, ErrorCode
from api.models.accounts import User
from api.models.media import MediaFile, MediaKind, MediaPurpose, MediaVariant
from media.storage import get_storage
from tests.media import samples
from tests.media.stored import blob_bytes, stored_files


def upload_of(data: bytes, name: str = "file.bin") -> media.UploadedFile:
    return media.UploadedFile(filename=name, stream=io.BytesIO(data))


async def refused(settings, user, data: bytes, name: str, purpose=MediaPurpose.RESOURCE) -> DomainError:
    before = stored_files(settings)
    with pytest.raises(DomainError) as caught:
        await media.upload(user, upload_of(data, name), purpose, "", settings=settings)
    assert await MediaFile.all().count() == 0 and await MediaVariant.all().count() == 0
    after = stored_files(settings)
    assert after == before, f"left on disk: {after - before}"
    return caught.value


def original_bytes(settings, media_file: MediaFile) -> bytes:
    return blob_bytes(settings, media_file.sha256)


async def test_jpeg_with_gps_comes_back_upright_without_any_metadata(factory, clean_db):
    user = await factory.user()
    source = samples.jpeg_with_gps()
    with Image.open(io.BytesIO(source)) as original:  # the sample really carries what must go
        assert original.getexif().get_ifd(samples.GPS_IFD)[1] == "N" and original.size == (40, 20)
    assert b"secret-comment" in source and b"secret-xmp" in source
    stored = await media.upload(
        user, upload_of(source, "holiday.jpg"), MediaPurpose.POST, "A red and blue flag", settings=clean_db
    )
    assert (stored.kind, stored.mime_type, stored.width, stored.height) == (MediaKind.IMAGE, "image/jpeg", 20, 40)
    data = original_bytes(clean_db, stored)
    for secret in (b"Exif", b"SecretCam", b"secret-comment", b"secret-xmp", b"xmpmeta", b"ICC_PROFILE"):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (20, 40)
        assert not image.getexif() and image.getexif().get_ifd(samples.GPS_IFD) == {}
        assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info)
        top, bottom = image.convert("RGB").getpixel((10, 2)), image.convert("RGB").getpixel((10, 37))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is on top once upright
    assert bottom[2] > 200 and bottom[0] < 60
    variants = await MediaVariant.filter(media_file=stored)
    assert {(v.name, v.mime_type, v.width, v.height) for v in variants} == {
        ("small", "image/webp", 20, 40),
        ("original", "image/jpeg", 20, 40),
    }
    for variant in variants:
        blob = blob_bytes(clean_db, variant.sha256)
        assert b"Exif" not in blob and b"secret" not in blob
    assert stored.placeholder.startswith("data:image/webp;base64,") and stored.placeholder_color.startswith("#")


async def test_variants_are_webp_at_160_640_1280_and_never_upscaled(factory, clean_db):
    user = await factory.user()
    big = await media.upload(
        user, upload_of(samples.image_bytes("PNG", (2000, 1000))), MediaPurpose.POST, "", settings=clean_db
    )
    sizes = await MediaVariant.filter(media_file=big).order_by("width").values_list("name", "width", "height")
    assert sizes == [("small", 160, 80), ("medium", 640, 320), ("large", 1280, 640), ("original", 2000, 1000)]
    mid = await media.upload(
        user, upload_of(samples.image_bytes("PNG", (700, 300))), MediaPurpose.POST, "", settings=clean_db
    )
    sizes = await MediaVariant.filter(media_file=mid).order_by("width").values_list("name", "width")
    assert sizes == [("small", 160), ("medium", 640), ("original", 700)]


async def test_png_renamed_jpg_is_accepted_as_png(factory, clean_db):
    user = await factory.user()
    stored = await media.upload(
        user, upload_of(samples.image_bytes("PNG"), "photo.jpg"), MediaPurpose.POST, "", settings=clean_db
    )
    assert stored.mime_type == "image/png" and stored.filename == "photo.jpg"


async def test_animated_gif_becomes_a_still_png(factory, clean_db):
    user = await factory.user()
    stored = await media.upload(
        user, upload_of(samples.animated_gif(), "anim.gif"), MediaPurpose.POST, "", settings=clean_db
    )
    assert stored.animated and stored.mime_type == "image/png"
    with Image.open(io.BytesIO(original_bytes(clean_db, stored))) as image:
        assert not getattr(image, "is_animated", False)


@pytest.mark.parametrize(
    "data,name,code",
    [
        (samples.TEXT, "notes.png", ErrorCode.UNSUPPORTED_MEDIA_TYPE),
        (samples.HTML_AS_IMAGE, "cat.jpg", ErrorCode.UNSUPPORTED_MEDIA_TYPE),
        (samples.image_bytes("JPEG", (300, 300))[:400], "cut.jpg", ErrorCode.INVALID),
        (samples.png_bomb(), "bomb.png", ErrorCode.TOO_LARGE),
        (b"", "empty.png", ErrorCode.INVALID),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "fake.png", ErrorCode.INVALID),
    ],
)
async def test_hostile_or_broken_files_are_refused_and_leave_nothing(factory, clean_db, data, name, code):
    user = await factory.user()
    error = await refused(clean_db, user, data, name)
    assert error.code == code and error.field == "file"
    assert error.message


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")  # as in production
async def test_bomb_message_names_the_pixel_limit(factory, clean_db):
    error = await refused(clean_db, await factory.user(), samples.png_bomb(), "bomb.png")
    assert f"{clean_db.media_max_image_pixels:,} pixels" in error.message
    # Below Pillow's own hard limit (2 × MAX_IMAGE_PIXELS), Guildhall's check still refuses.
    settings = clean_db.replace(media_max_image_pixels=2000)
    error = await refused(settings, await factory.user(), samples.image_bytes("PNG", (50, 50)), "big.png")
    assert error.code == ErrorCode.TOO_LARGE and "2,000 pixels" in error.message


async def test_oversize_files_are_refused_per_kind(factory, clean_db):
    user = await factory.user()
    settings = clean_db.replace(media_max_document_bytes=2000, media_max_image_bytes=500)
    error = await refused(settings, user, samples.pdf_bytes(5000), "big.pdf")
    assert error.code == ErrorCode.TOO_LARGE and "2,000" in error.message
    error = await refused(settings, user, samples.noisy_jpeg((64, 64)), "big.jpg")
    assert error.code == ErrorCode.TOO_LARGE


async def test_files_over_the_quota_are_refused(factory, clean_db):
    user = await factory.user()
    settings = clean_db.replace(media_quota_bytes=6000)
    first = await media.upload(user, upload_of(samples.pdf_bytes(4000)), MediaPurpose.RESOURCE, "", settings=settings)
    assert await media.used_bytes(user.id) == 4000
    before = stored_files(settings)
    with pytest.raises(DomainError) as caught:
        await media.upload(user, upload_of(samples.pdf_bytes(3000)), MediaPurpose.RESOURCE, "", settings=settings)
    assert caught.value.code == ErrorCode.QUOTA_EXCEEDED and "2,000" in caught.value.message
    assert await MediaFile.all().count() == 1 and stored_files(settings) == before
    with pytest.raises(DomainError) as caught:  # a full quota refuses before any processing
        await media.upload(
            user,
            upload_of(samples.image_bytes()),
            MediaPurpose.POST,
            "",
            settings=settings.replace(media_quota_bytes=4000),
        )
    assert caught.value.code == ErrorCode.QUOTA_EXCEEDED and "used up" in caught.value.message
    other = await factory.user()  # the quota is per member
    await media.upload(other, upload_of(samples.pdf_bytes(3000)), MediaPurpose.RESOURCE, "", settings=settings)
    assert first.id


async def test_purposes_allow_only_their_kinds(factory, clean_db):
    user = await factory.user()
    error = await refused(clean_db, user, samples.pdf_bytes(), "cv.pdf", MediaPurpose.AVATAR)
    assert error.code == ErrorCode.UNSUPPORTED_MEDIA_TYPE and "JPEG, PNG, WebP or GIF" in error.message


@pytest.mark.parametrize(
    "maker,kind,mime,duration",
    [
        (samples.wav_bytes, MediaKind.AUDIO, "audio/wav", 1.5),
        (samples.mp3_bytes, MediaKind.AUDIO, "audio/mpeg", None),
        (samples.ogg_bytes, MediaKind.AUDIO, "audio/ogg", None),
        (lambda: samples.mp4_bytes(b"M4A ", 7), MediaKind.AUDIO, "audio/mp4", 7.0),
        (samples.mp4_bytes, MediaKind.VIDEO, "video/mp4", 12.0),
        (samples.webm_bytes, MediaKind.VIDEO, "video/webm", None),
        (samples.pdf_bytes, MediaKind.DOCUMENT, "application/pdf", None),
    ],
)
async def test_audio_video_and_documents_are_typed_by_content(factory, clean_db, maker, kind, mime, duration):
    user = await factory.user()
    data = maker()
    stored = await media.upload(user, upload_of(data, "whatever.txt"), MediaPurpose.RESOURCE, "", settings=clean_db)
    assert (stored.kind, stored.mime_type, stored.duration, stored.size) == (kind, mime, duration, len(data))
    assert original_bytes(clean_db, stored) == data


async def test_same_bytes_are_stored_once_and_deletion_keeps_shared_blobs(factory, clean_db, monkeypatch):
    alice, bob = await factory.user(), await factory.user()
    data = samples.image_bytes("PNG", (800, 600))
    first = await media.upload(alice, upload_of(data), MediaPurpose.POST, "", settings=clean_db)
    before = stored_files(clean_db)

    def must_not_decode(*args, **kwargs):
        raise AssertionError("the same bytes were decoded twice")

    monkeypatch.setattr(uploads, "process_image", must_not_decode)
    second = await media.upload(bob, upload_of(data), MediaPurpose.POST, "", settings=clean_db)
    assert second.sha256 == first.sha256 and stored_files(clean_db) == before
    assert (second.width, second.height, second.placeholder) == (first.width, first.height, first.placeholder)
    assert (
        await MediaVariant.filter(media_file=second).count() == await MediaVariant.filter(media_file=first).count() == 3
    )
    shas = await MediaVariant.filter(media_file=first).values_list("sha256", flat=True)
    storage = get_storage(clean_db)

    await media.delete(alice, first.id, settings=clean_db)
    assert all(storage.exists(sha) for sha in shas)  # bob's record still uses them
    await media.delete(bob, second.id, settings=clean_db)
    assert not any(storage.exists(sha) for sha in shas)
    assert await MediaFile.all().count() == 0


async def test_only_the_owner_or_staff_delete(factory, clean_db):
    owner, other, mod = await factory.user(), await factory.user(), await factory.user(role="MODERATOR")
    stored = await media.upload(owner, upload_of(samples.pdf_bytes()), MediaPurpose.RESOURCE, "", settings=clean_db)
    with pytest.raises(DomainError) as caught:
        await media.delete(other, stored.id, settings=clean_db)
    # A fresh upload is private to its owner and staff: to others it does not exist.
    assert caught.value.code == ErrorCode.NOT_FOUND and await MediaFile.filter(id=stored.id).exists()
    await media.delete(mod, stored.id, settings=clean_db)
    assert not await MediaFile.filter(id=stored.id).exists()


async def test_avatar_is_an_own_image_and_deleting_it_clears_the_profile(factory, clean_db):
    user, other = await factory.user(), await factory.user()
    image = await media.upload(user, upload_of(samples.image_bytes()), MediaPurpose.AVATAR, "me", settings=clean_db)
    pdf = await media.upload(user, upload_of(samples.pdf_bytes()), MediaPurpose.RESOURCE, "", settings=clean_db)
    with pytest.raises(DomainError) as caught:
        await media.set_avatar(other, image.id)
    assert caught.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError):
        await media.set_avatar(user, pdf.id)
    await media.set_avatar(user, image.id)
    assert (await User.get(id=user.id)).avatar_id == image.id
    await media.delete(user, image.id, settings=clean_db)
    assert (await User.get(id=user.id)).avatar_id is None


async def test_alt_text_is_limited(factory, clean_db):
    user = await factory.user()
    with pytest.raises(DomainError) as caught:
        await media.upload(
            user,
            upload_of(samples.image_bytes()),
            MediaPurpose.POST,
            "x" * (clean_db.media_max_alt_length + 1),
            settings=clean_db,
        )
    assert caught.value.field == "alt" and await MediaFile.all().count() == 0


async def test_uploads_per_minute_are_limited(factory, clean_db):
    from api.ratelimit import MemoryRateLimiter

    user, limiter = await factory.user(), MemoryRateLimiter()
    settings = clean_db.replace(media_uploads_per_minute=2)
    for _ in range(2):
        await media.upload(
            user, upload_of(samples.pdf_bytes()), MediaPurpose.RESOURCE, "", settings=settings, limiter=limiter
        )
    with pytest.raises(DomainError) as caught:
        await media.upload(
            user, upload_of(samples.pdf_bytes()), MediaPurpose.RESOURCE, "", settings=settings, limiter=limiter
        )
    assert caught.value.code == ErrorCode.RATE_LIMITED


async def test_private_files_are_readable_by_owner_staff_and_registered_readers(factory, clean_db, monkeypatch):
    owner, other, mod = await factory.user(), await factory.user(), await factory.user(role="MODERATOR")
    stored = await media.upload(owner, upload_of(samples.pdf_bytes()), MediaPurpose.RESOURCE, "", settings=clean_db)
    await media.set_private([stored.id], True)
    stored = await MediaFile.get(id=stored.id)
    assert await media.readable(None, [stored]) == set()
    assert await media.readable(other, [stored]) == set()
    assert await media.readable(owner, [stored]) == {stored.id}
    assert await media.readable(mod, [stored]) == {stored.id}

    async def other_may_read(viewer, files):
        return {f.id for f in files} if viewer.id == other.id else set()

    from api.registry import registry

    monkeypatch.setattr(registry(), "media_readers", (*registry().media_readers, other_may_read))
    assert await media.readable(other, [stored]) == {stored.id}


def test_clean_filename_keeps_only_a_display_name():
    assert media.clean_filename("../../etc/passwd") == "passwd"
    assert media.clean_filename("C:\\Users\\me\\photo.jpg") == "photo.jpg"
    assert media.clean_filename("evil\u202egpj.exe") == "evilgpj.exe"
    assert media.clean_filename("报告.pdf") == "报告.pdf"
    assert media.clean_filename("") == "file"


async def test_colour_profiles_are_applied_and_not_stored(factory, clean_db):
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = samples.image_bytes("PNG", (50, 40), icc_profile=srgb)
    assert b"iCCP" in data
    stored = await media.upload(await factory.user(), upload_of(data), MediaPurpose.POST, "", settings=clean_db)
    blob = original_bytes(clean_db, stored)
    assert b"iCCP" not in blob
    with Image.open(io.BytesIO(blob)) as image:
        assert "icc_profile" not in image.info and image.getpixel((5, 5))[:3] == (10, 120, 200)


async def test_demo_seeder_gives_demo_members_avatars(factory, clean_db):
    from api.demo import media as demo_media

    alice, bob = await factory.user("alice"), await factory.user("bob")
    state = {"users": {"alice": alice, "bob": bob}}
    await demo_media.seed(clean_db, state)
    assert (await User.get(id=alice.id)).avatar_id == state["media"]["avatar:alice"].id
    assert (await User.get(id=bob.id)).avatar_id is not None


async def test_sweep_removes_only_old_temp_files_and_unnamed_blobs(factory, clean_db):
    import os
    import time

    storage = get_storage(clean_db)
    kept = await media.upload(
        await factory.user(), upload_of(samples.pdf_bytes()), MediaPurpose.RESOURCE, "", settings=clean_db
    )
    orphan = storage.put_bytes(b"written by an upload that crashed before its rows")
    if storage.remote:  # a bucket's times cannot be set back: sweep everything, however recent
        assert await media.sweep(clean_db, older_than=-60) == {"temp": 0, "blobs": 1}
        assert storage.exists(kept.sha256) and not storage.exists(orphan.sha256)
        return
    fresh_orphan = storage.put_bytes(b"an upload still in progress")
    temp = clean_db.media_root / ".tmp" / "upload-crashed"
    temp.write_bytes(b"half a file")
    old = time.time() - 2 * media.SWEEP_AFTER_SECONDS
    for path in (storage.local_path(kept.sha256), storage.local_path(orphan.sha256), temp):
        os.utime(path, (old, old))

    assert await media.sweep(clean_db) == {"temp": 1, "blobs": 1}
    assert storage.exists(kept.sha256) and storage.exists(fresh_orphan.sha256)
    assert not storage.exists(orphan.sha256) and not temp.exists()
    storage.delete(fresh_orphan.sha256)


async def test_concurrent_uploads_cannot_both_take_the_last_free_bytes(factory, clean_db):
    import asyncio

    user = await factory.user()
    settings = clean_db.replace(media_quota_bytes=6000)
    results = await asyncio.gather(
        media.upload(user, upload_of(samples.pdf_bytes(4000)), MediaPurpose.RESOURCE, "", settings=settings),
        media.upload(user, upload_of(samples.pdf_bytes(4001)), MediaPurpose.RESOURCE, "", settings=settings),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == ErrorCode.QUOTA_EXCEEDED
    kept = next(r for r in results if isinstance(r, MediaFile))
    assert await MediaFile.all().values_list("id", flat=True) == [kept.id]
    storage = get_storage(settings)
    refused_size = 4001 if kept.size == 4000 else 4000
    assert storage.exists(kept.sha256)
    assert not storage.exists(hashlib.sha256(samples.pdf_bytes(refused_size)).hexdigest())
