"""Demo media: generated avatars for a few demo members, through the real upload path."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from api.domain import media
from api.models.media import MediaPurpose
from api.settings import Settings

_AVATARS = {"alice": (64, 132, 196), "bob": (214, 120, 52), "李明": (76, 160, 96)}


def _avatar_png(colour: tuple[int, int, int], letter_box: int) -> bytes:
    image = Image.new("RGB", (320, 320), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 40, 260, 240), fill=(255, 255, 255))
    draw.rectangle((40, 250, 280, 320), fill=(255, 255, 255))
    draw.rectangle((0, 0, letter_box, 8), fill=(0, 0, 0))  # makes each avatar's bytes distinct
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users = state.get("users", {})
    uploaded = state.setdefault("media", {})
    for index, (username, colour) in enumerate(_AVATARS.items()):
        user = users.get(username)
        if user is None:
            continue
        file = media.UploadedFile(filename=f"{username}.png", stream=io.BytesIO(_avatar_png(colour, 10 * index)))
        avatar = await media.upload(user, file, MediaPurpose.AVATAR, f"Avatar of {username}", settings=settings)
        await media.set_avatar(user, avatar.id)
        uploaded[f"avatar:{username}"] = avatar
