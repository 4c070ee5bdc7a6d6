"""Image processing with Pillow: bytes in, clean re-encoded renditions out. Synchronous and
CPU-bound: callers run `process_image` in a worker process (`api.offload`, kind "image").

Every stored image is re-encoded from a fresh image holding only pixels, so no metadata of the
upload survives: EXIF (GPS, camera, maker notes), XMP, IPTC, JPEG/PNG comments and text chunks.
Orientation from EXIF is applied to the pixels first, and colours are converted to sRGB (the
stored files carry no ICC profile; untagged images are read as sRGB by browsers).

Animated GIF/WebP rule: Guildhall stores a still of the first frame (`animated` tells the
caller the source moved). Keeping frames would multiply decode cost and memory by the frame
count, a cheap denial of service, and the resource library takes video for moving pictures.
"""

from __future__ import annotations

import base64
import io
import struct
import warnings
from dataclasses import dataclass, field
from typing import cast

from PIL import Image, ImageCms, ImageFile, ImageOps

# Decompression bombs: Pillow warns above MAX_IMAGE_PIXELS and raises above twice that.
# Guildhall turns the warning into an error, process-wide, and also checks the size itself
# before decoding (`MAX_IMAGE_PIXELS` is a module global; `process_image` sets it from settings).
warnings.simplefilter("error", Image.DecompressionBombWarning)
# A truncated file is an error, never an image with a grey bottom half.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# WebP renditions, as the longest side in pixels; never larger than the source.
VARIANT_SIZES = {"small": 160, "medium": 640, "large": 1280}
JPEG_QUALITY = 88
WEBP_QUALITY = 82
PLACEHOLDER_SIZE = 16

_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(Exception):
    """The bytes are not an acceptable image; the message is meant for the member."""

    def __init__(self, message: str, *, bomb: bool = False) -> None:
        super().__init__(message)
        self.bomb = bomb

    def __reduce__(self):  # pickled back from the worker process with `bomb` kept
        return (type(self), (str(self),), {"bomb": self.bomb})


@dataclass(frozen=True)
class Rendition:
    name: str  # "original" or a key of VARIANT_SIZES
    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int


@dataclass
class ProcessedImage:
    original: Rendition
    variants: list[Rendition] = field(default_factory=list)
    width: int = 0
    height: int = 0
    animated: bool = False
    placeholder_color: str = ""  # "#rrggbb"
    placeholder: str = ""  # data: URI of a tiny WebP

    @property
    def renditions(self) -> list[Rendition]:
        return [self.original, *self.variants]


def process_image(data: bytes, pillow_format: str, *, max_pixels: int) -> ProcessedImage:
    """Decode `data` as `pillow_format` only, and return the clean original and its variants."""
    if pillow_format not in ALLOWED_FORMATS:
        raise ImageRejected("This image format is not accepted.")
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as source:
            width, height = source.size
            if width < 1 or height < 1:
                raise ImageRejected("The image has no pixels.")
            if width * height > max_pixels:
                raise ImageRejected(
                    f"The image is {width}×{height} pixels; at most {max_pixels:,} pixels are accepted.",
                    bomb=True,
                )
            animated = getattr(source, "is_animated", False)
            source.seek(0)
            source.load()
            image = _clean(source)
        # The decoded source is released here: only the clean image stays in memory.
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            f"The image is too large once decoded; at most {max_pixels:,} pixels are accepted.", bomb=True
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        # Truncated, corrupt, or not really of the sniffed format.
        raise ImageRejected("The image is damaged or incomplete and cannot be read.") from exc

    result = ProcessedImage(
        original=_encode_original(image, pillow_format),
        width=image.width,
        height=image.height,
        animated=animated,
    )
    result.variants = _variants(image)
    result.placeholder_color, result.placeholder = _placeholder(result.variants[-1], image)
    return result


def _clean(source: Image.Image) -> Image.Image:
    """Pixels only: upright, sRGB, RGB or RGBA, in a new image with no `info` at all."""
    icc = source.info.get("icc_profile")
    # In place: no second full-size copy of the pixels (the source is discarded anyway).
    upright = ImageOps.exif_transpose(source, in_place=True) or source
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    mode = "RGBA" if has_alpha else "RGB"
    if upright.mode.startswith("I") or upright.mode == "F":
        # 16-bit greyscale (PNG): scale to 8 bits; a plain convert would clip it to white.
        upright = upright.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if upright.mode == "CMYK" and not icc:
        upright = upright.convert("RGB")
    if icc:
        try:
            upright = (
                ImageCms.profileToProfile(upright, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode=mode)
                or upright
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if upright.mode != mode:
        upright = upright.convert(mode)
    fresh = Image.new(mode, upright.size)
    fresh.paste(upright)
    return fresh


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=False)
    elif fmt == "PNG":
        image.save(out, "PNG", compress_level=6)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


_ORIGINAL_AS = {
    # source format -> (stored format, mime, extension). A GIF becomes a still PNG (no palette loss).
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "GIF": ("PNG", "image/png", "png"),
}


def _encode_original(image: Image.Image, pillow_format: str) -> Rendition:
    fmt, mime, ext = _ORIGINAL_AS[pillow_format]
    if fmt == "JPEG" and image.mode == "RGBA":  # cannot happen for JPEG input; be safe anyway
        image = image.convert("RGB")
    return Rendition("original", _encode(image, fmt), mime, ext, image.width, image.height)


def _variants(image: Image.Image) -> list[Rendition]:
    """WebP renditions, largest first, each resized from the previous one (much faster than
    from the original each time). A size the image does not exceed is skipped, except the
    smallest, which always exists (at the image's own size if it is smaller)."""
    renditions: list[Rendition] = []
    current = image
    sizes = sorted(VARIANT_SIZES.items(), key=lambda item: -item[1])
    for index, (name, size) in enumerate(sizes):
        smallest = index == len(sizes) - 1
        if max(current.size) <= size and not smallest:
            continue
        if max(current.size) > size:
            # resize (not copy + thumbnail): never a second full-size buffer of the pixels.
            scale = size / max(current.size)
            target = (max(1, round(current.width * scale)), max(1, round(current.height * scale)))
            current = current.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        renditions.append(
            Rendition(name, _encode(current, "WEBP"), "image/webp", "webp", current.width, current.height)
        )
    renditions.reverse()  # smallest first
    return renditions


def _placeholder(smallest: Rendition, image: Image.Image) -> tuple[str, str]:
    """Dominant colour (most common of a 4-colour quantisation) and a tiny WebP data URI."""
    with Image.open(io.BytesIO(smallest.data), formats=["WEBP"]) as small:
        tiny = small.convert("RGB")
    tiny.thumbnail((PLACEHOLDER_SIZE, PLACEHOLDER_SIZE), Image.Resampling.BOX)
    quantised = tiny.quantize(colors=4)
    palette = quantised.getpalette() or [0, 0, 0]
    _, index = max(quantised.getcolors() or [(1, 0)])
    index = cast(int, index)  # colours of a quantised ("P") image are palette indices
    r, g, b = palette[index * 3 : index * 3 + 3]
    colour = f"#{r:02x}{g:02x}{b:02x}"
    out = io.BytesIO()
    tiny.save(out, "WEBP", quality=40)
    return colour, "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode()
