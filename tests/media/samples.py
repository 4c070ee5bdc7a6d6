"""Files made in the tests: images written by Pillow, and real headers of audio, video and PDF."""

from __future__ import annotations

import io
import struct
import wave
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(width: int = 40, height: int = 20) -> bytes:
    """Left half red, right half blue, stored sideways: EXIF orientation 6 (rotate 90° clockwise
    to display), with GPS coordinates, a camera make, a JPEG comment and XMP."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "SecretCam"  # Make
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 7.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret-xmp</rdf:RDF></x:xmpmeta>'
    image.save(out, "JPEG", exif=exif, comment=b"secret-comment", xmp=xmp, quality=95)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), colour=(10, 120, 200), **save) -> bytes:
    image = Image.new("RGB", size, colour)
    image.putpixel((0, 0), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def noisy_jpeg(size: tuple[int, int]) -> bytes:
    """A photo-like JPEG (noise compresses badly, like real photos)."""
    image = Image.effect_noise(size, 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (30, 30), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG that declares 2.5 gigapixels of grey in a few hundred bytes of compressed data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 64, 9)  # the first rows; enough to look real
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def wav_bytes(seconds: float = 1.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return out.getvalue()


def mp3_bytes() -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + frame * 8


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(brand: bytes = b"isom", seconds: int = 12) -> bytes:
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    mvhd = _box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\x00" * 80)
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"\x00" * 256)


def webm_bytes() -> bytes:
    doctype = b"\x42\x82\x84webm"
    header = b"\x42\x86\x81\x01" + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x18\x53\x80\x67" + b"\x00" * 64


def ogg_bytes() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1evorbis" + b"\x00" * 64


def pdf_bytes(size: int = 0) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return body + b"%" + b"x" * max(size - len(body) - 2, 0) + b"\n" if size else body


HTML_AS_IMAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
TEXT = b"just some words in a text file\n" * 20
