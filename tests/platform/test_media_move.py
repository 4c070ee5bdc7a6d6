"""`guildhall move-media`: disk to object storage and back, resumable after an interruption."""

from __future__ import annotations

import hashlib
import io

import pytest

from api.domain import media
from api.models.media import MediaPurpose, MediaVariant
from media import move
from media.storage import LocalStorage, get_storage
from tests.conftest import s3_settings
from tests.media import samples


async def test_media_moves_to_object_storage_and_back_resumably(factory, clean_db, s3_server, monkeypatch, tmp_path):
    member = await factory.user()
    uploads = [
        await media.upload(
            member,
            media.UploadedFile("a.png", io.BytesIO(samples.image_bytes("PNG", (900, 500)))),
            MediaPurpose.POST,
            "",
            settings=clean_db,
        ),
        await media.upload(
            member,
            media.UploadedFile("r.pdf", io.BytesIO(samples.pdf_bytes())),
            MediaPurpose.RESOURCE,
            "",
            settings=clean_db,
        ),
        await media.upload(
            member,
            media.UploadedFile("t.wav", io.BytesIO(samples.wav_bytes(0.2))),
            MediaPurpose.RESOURCE,
            "",
            settings=clean_db,
        ),
    ]
    names = sorted(set(await MediaVariant.all().values_list("sha256", flat=True)))
    assert len(names) >= 5  # image variants too
    disk = LocalStorage(clean_db.media_root)
    hashes = {sha: hashlib.sha256(disk.read_bytes(sha)).hexdigest() for sha in names}
    assert all(sha == digest for sha, digest in hashes.items())
    settings = s3_settings(clean_db, s3_server)

    # An interrupted run: the third copy fails.
    original = move._copy_one
    calls = 0

    def failing(source, target, sha256, delete_source):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("network gone")
        return original(source, target, sha256, delete_source)

    monkeypatch.setattr(move, "CONCURRENCY", 1)
    monkeypatch.setattr(move, "_copy_one", failing)
    with pytest.raises(ConnectionError):
        await move.move_media(settings, "object")
    monkeypatch.setattr(move, "_copy_one", original)
    bucket = get_storage(settings)
    before = len(set(bucket.blobs()))
    assert 2 <= before < len(names)

    report = await move.move_media(settings, "object")  # resumed: copies only the rest
    assert report.present == before and report.copied == len(names) - before
    assert not report.missing and not report.corrupt
    assert sorted(bucket.blobs()) == names
    assert all(hashlib.sha256(bucket.read_bytes(sha)).hexdigest() == sha for sha in names)

    # Back to an empty disk, deleting from the bucket on the way.
    back = settings.replace(media_root=tmp_path / "restored")
    report = await move.move_media(back, "disk", delete_source=True)
    assert report.copied == len(names) and report.deleted == len(names)
    assert sorted(LocalStorage(back.media_root).blobs()) == names
    assert list(bucket.blobs()) == []
    assert all(LocalStorage(back.media_root).read_bytes(sha) == disk.read_bytes(sha) for sha in names)
    assert uploads[0].sha256 in names


async def test_a_blob_whose_bytes_do_not_match_its_name_is_not_copied(factory, clean_db, s3_server):
    member = await factory.user()
    stored = await media.upload(
        member,
        media.UploadedFile("r.pdf", io.BytesIO(samples.pdf_bytes())),
        MediaPurpose.RESOURCE,
        "",
        settings=clean_db,
    )
    path = LocalStorage(clean_db.media_root).local_path(stored.sha256)
    path.write_bytes(b"bit rot")
    settings = s3_settings(clean_db, s3_server)
    report = await move.move_media(settings, "object")
    assert report.corrupt == [stored.sha256] and report.copied == 0
    assert list(get_storage(settings).blobs()) == []


def test_move_needs_object_storage(app_settings):
    with pytest.raises(ValueError, match="MEDIA_STORAGE_URL"):
        move.endpoints(app_settings, "object")
