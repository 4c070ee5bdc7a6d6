"""What a file is, decided from its first bytes (magic numbers), never from its name or the
Content-Type the client sent. Only the formats Guildhall accepts are recognised; anything else
(HTML, scripts, SVG, archives, executables...) is `None`.

`sniff` needs the first `HEAD_BYTES` of the file; `duration` reads what it needs for WAV and
MP4/M4A (the only containers that state their duration in a fixed, cheap place).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from api.models.media import MediaKind

HEAD_BYTES = 4096


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    mime_type: str
    extension: str  # used in URLs only, so browsers and download managers name files well
    pillow_format: str | None = None  # images: the only format Pillow may decode them as


JPEG = Sniffed(MediaKind.IMAGE, "image/jpeg", "jpg", "JPEG")
PNG = Sniffed(MediaKind.IMAGE, "image/png", "png", "PNG")
GIF = Sniffed(MediaKind.IMAGE, "image/gif", "gif", "GIF")
WEBP = Sniffed(MediaKind.IMAGE, "image/webp", "webp", "WEBP")
MP3 = Sniffed(MediaKind.AUDIO, "audio/mpeg", "mp3")
OGG = Sniffed(MediaKind.AUDIO, "audio/ogg", "ogg")
M4A = Sniffed(MediaKind.AUDIO, "audio/mp4", "m4a")
WAV = Sniffed(MediaKind.AUDIO, "audio/wav", "wav")
MP4 = Sniffed(MediaKind.VIDEO, "video/mp4", "mp4")
WEBM = Sniffed(MediaKind.VIDEO, "video/webm", "webm")
PDF = Sniffed(MediaKind.DOCUMENT, "application/pdf", "pdf")

ALL = (JPEG, PNG, GIF, WEBP, MP3, OGG, M4A, WAV, MP4, WEBM, PDF)
BY_MIME = {s.mime_type: s for s in ALL}

# ISO base media brands (the `ftyp` box): audio-only brands, the rest play as MP4 video.
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"mmp4",
    b"MSNV",
    b"NDAS",
    b"f4v ",
}


def _is_mp3_frame(head: bytes) -> bool:
    # MPEG audio frame header: 11 sync bits, a valid version, layer III, bitrate and sample rate.
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0xF) and sample_rate != 0b11


def _ebml_doctype(head: bytes) -> bytes | None:
    # The EBML header lists its DocType (element id 0x4282) early: "webm" or "matroska".
    at = head.find(b"\x42\x82", 4, 64)
    if at < 0 or at + 3 > len(head):
        return None
    size_byte = head[at + 2]
    if not size_byte & 0x80:  # only one-byte sizes occur for a short DocType string
        return None
    size = size_byte & 0x7F
    return head[at + 3 : at + 3 + size]


def sniff(head: bytes) -> Sniffed | None:
    """The accepted format whose signature `head` starts with, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"OggS"):
        return OGG
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return M4A
        if brand in _VIDEO_BRANDS:
            return MP4
        return None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if _ebml_doctype(head) == b"webm" else None
    if head.startswith(b"ID3") and len(head) >= 10 and head[3] in (2, 3, 4):
        return MP3
    if _is_mp3_frame(head):
        return MP3
    return None


def duration(sniffed: Sniffed, stream: BinaryIO, size: int) -> float | None:
    """Seconds of audio/video when the container states it cheaply; None otherwise."""
    try:
        if sniffed is WAV:
            return _wav_duration(stream)
        if sniffed in (MP4, M4A):
            return _mp4_duration(stream, size)
    except (struct.error, ValueError, IndexError, OSError):  # cut short or malformed: unknown
        return None
    return None


def _wav_duration(stream: BinaryIO) -> float | None:
    stream.seek(12)
    byte_rate = None
    for _ in range(64):  # walk at most 64 chunks
        header = stream.read(8)
        if len(header) < 8:
            return None
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"fmt ":
            fmt = stream.read(chunk_size + (chunk_size & 1))
            byte_rate = struct.unpack("<I", fmt[8:12])[0]
            continue
        if chunk_id == b"data":
            return round(chunk_size / byte_rate, 3) if byte_rate else None
        stream.seek(chunk_size + (chunk_size & 1), 1)
    return None


def _mp4_duration(stream: BinaryIO, size: int) -> float | None:
    moov = _find_box(stream, 0, size, b"moov")
    if moov is None:
        return None
    mvhd = _find_box(stream, moov[0], moov[1], b"mvhd")
    if mvhd is None:
        return None
    stream.seek(mvhd[0])
    version = stream.read(4)[0]
    if version == 1:
        body = stream.read(28)
        timescale, length = struct.unpack(">IQ", body[16:28])
    else:
        body = stream.read(16)
        timescale, length = struct.unpack(">II", body[8:16])
    return round(length / timescale, 3) if timescale else None


def _find_box(stream: BinaryIO, start: int, end: int, wanted: bytes) -> tuple[int, int] | None:
    """(payload start, payload end) of the first box named `wanted` between start and end."""
    at = start
    for _ in range(1024):
        if at + 8 > end:
            return None
        stream.seek(at)
        header = stream.read(8)
        if len(header) < 8:
            return None
        box_size, name = struct.unpack(">I", header[:4])[0], header[4:]
        header_len = 8
        if box_size == 1:
            box_size = struct.unpack(">Q", stream.read(8))[0]
            header_len = 16
        elif box_size == 0:
            box_size = end - at
        if box_size < header_len:
            return None
        if name == wanted:
            return at + header_len, min(at + box_size, end)
        at += box_size
    return None
