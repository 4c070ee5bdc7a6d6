"""`media.sniff`: only accepted formats are recognised, by their bytes alone."""

from __future__ import annotations

import io

import pytest

from media import sniff
from tests.media import samples


@pytest.mark.parametrize(
    "head",
    [
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00heicmif1",  # HEIC: an ISO box file, not MP4
        b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ",  # QuickTime
        b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska" + b"\x00" * 16,  # Matroska, not WebM
        b"RIFF\x00\x00\x00\x00AVI LIST",  # AVI
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"PK\x03\x04" + b"\x00" * 26,  # ZIP (also DOCX, EPUB...)
        b"MZ\x90\x00",  # Windows executable
        b"\xff\xff\xff\xff" + b"\x00" * 8,  # sync bits without a valid MPEG header
        b"ID3\x09\x00",  # ID3 with an impossible version
        b"GIF90a",
    ],
)
def test_other_formats_are_not_recognised(head):
    assert sniff.sniff(head) is None


def test_durations_come_from_the_container():
    wav = samples.wav_bytes(0.75)
    assert sniff.duration(sniff.WAV, io.BytesIO(wav), len(wav)) == 0.75
    mp4 = samples.mp4_bytes(seconds=90)
    assert sniff.duration(sniff.MP4, io.BytesIO(mp4), len(mp4)) == 90.0
    broken = mp4[:40]  # moov cut short: unknown, not an error
    assert sniff.duration(sniff.MP4, io.BytesIO(broken), len(broken)) is None
