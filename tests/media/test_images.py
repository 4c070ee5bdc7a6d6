"""`media.images.process_image` on the pixel formats uploads come in (no database)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media.images import ImageRejected, process_image


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_16_bit_greyscale_is_scaled_not_clipped():
    result = process_image(encode(Image.new("I;16", (40, 30), 30000), "PNG"), "PNG", max_pixels=10**6)
    assert decoded(result.original.data).getpixel((1, 1)) == (117, 117, 117)


def test_cmyk_jpeg_becomes_rgb():
    result = process_image(encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG"), "JPEG", max_pixels=10**6)
    image = decoded(result.original.data)
    assert image.mode == "RGB" and image.getpixel((5, 5))[0] > 240 and image.getpixel((5, 5))[1] < 20


def test_transparency_survives_in_the_original_and_the_webp_variants():
    result = process_image(encode(Image.new("RGBA", (300, 200), (10, 20, 30, 100)), "PNG"), "PNG", max_pixels=10**6)
    assert decoded(result.original.data).getpixel((3, 3)) == (10, 20, 30, 100)
    small = decoded(result.variants[0].data)
    assert small.format == "WEBP" and small.size == (160, 107) and small.mode == "RGBA"
    assert small.getpixel((3, 3))[3] == 100


def test_small_images_get_one_variant_at_their_own_size():
    result = process_image(encode(Image.new("RGB", (90, 60), "red"), "PNG"), "PNG", max_pixels=10**6)
    assert [(v.name, v.width, v.height) for v in result.variants] == [("small", 90, 60)]


def test_only_the_sniffed_format_is_decoded():
    png = encode(Image.new("RGB", (20, 20), "red"), "PNG")
    with pytest.raises(ImageRejected):
        process_image(png, "JPEG", max_pixels=10**6)  # a PNG is never decoded as something else
    with pytest.raises(ImageRejected):
        process_image(png, "TIFF", max_pixels=10**6)  # nor with a decoder outside the allow-list
