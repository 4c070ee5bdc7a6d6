"""Media: uploads (GraphQL multipart request spec), the viewer's files, avatars.

Types that expose a `MediaFile` from another domain (a resource, a post) must hand it only to
viewers who may read what it is attached to: URLs of private files are signed for whoever gets
the object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.file_uploads import Upload

from api.domain import media as domain
from api.domain.attachments import attached_blobs
from api.errors import Invalid
from api.models import media as models
from api.models.accounts import User as UserModel
from media.sniff import BY_MIME
from media.urls import media_url, sign_embedded
from schema.accounts import Payload, User
from schema.context import Info
from schema.enums import described_enum
from schema.errors import PublicError
from schema.loaders import now_or_later, then
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id

MediaKind = models.MediaKind
described_enum(
    MediaKind,
    name="MediaKind",
    description="What a file is, decided from its content.",
    values={
        "IMAGE": "JPEG, PNG, WebP or GIF image (stored re-encoded, with WebP variants).",
        "AUDIO": "MP3, OGG, M4A or WAV audio.",
        "VIDEO": "MP4 or WebM video.",
        "DOCUMENT": "PDF document (always served as a download).",
    },
)
MediaPurpose = models.MediaPurpose
described_enum(
    MediaPurpose,
    name="MediaPurpose",
    description="What a file is uploaded for.",
    values={
        "AVATAR": "A profile picture (images only).",
        "POST": "A picture embedded in a post or article (images only).",
        "RESOURCE": "A file of the resource library (images, audio, video, documents).",
    },
)


def attached_blobs_loader(info: Info, subject_type: str) -> DataLoader:
    """The files attached to content of `subject_type`, by content id (prefetched by hot lists)."""
    return info.context.loaders.custom(("media.attached_blobs", subject_type), lambda ids: _attached(subject_type, ids))


async def embedded_html(info: Info, html: str, subject_type: str, subject_id: int, public: bool) -> str:
    """Rendered HTML of content as the viewer gets it: in content that is not public, the URLs of
    the files its authors attached are signed (and only those: never a path merely found in the
    text)."""
    allowed: set[str] = set()
    if not public:
        allowed = await attached_blobs_loader(info, subject_type).load(subject_id)
    return sign_embedded(html, info.context.settings, allowed)


def embedded_html_now(info: Info, html: str, subject_type: str, subject_id: int, public: bool) -> Any:
    """`embedded_html`, completing synchronously when the content is public or its attached files
    were prefetched (`attached_blobs_loader`); else an awaitable."""
    settings = info.context.settings
    if public:
        return sign_embedded(html, settings, set())
    return then(
        now_or_later(attached_blobs_loader(info, subject_type), subject_id),
        lambda allowed: sign_embedded(html, settings, allowed),
    )


async def _attached(subject_type: str, ids: list[int]) -> list[set[str]]:
    found = await attached_blobs(subject_type, ids)
    return [found[i] for i in ids]


def _url(info: Info, private: bool, sha256: str, mime_type: str) -> str:
    return media_url(info.context.settings, sha256, BY_MIME[mime_type].extension, signed=private)


@strawberry.type(description="One stored rendition of a media file: the original or a WebP variant.")
class MediaVariant:
    name: str = strawberry.field(
        description="`original`, or for images `small` (160 px), `medium` (640 px), `large` (1280 px)."
    )
    mime_type: str = strawberry.field(description="Content type of this rendition.")
    size: int = strawberry.field(description="Size in bytes.")
    width: int | None = strawberry.field(description="Width in pixels (images).")
    height: int | None = strawberry.field(description="Height in pixels (images).")
    sha256: str = strawberry.field(description="SHA-256 of the stored bytes (hex).")

    @strawberry.field(description="Where to fetch it; signed and expiring for private files.")
    @staticmethod
    async def url(root: strawberry.Parent[models.MediaVariant], info: Info) -> str:
        parent = await info.context.loaders.by_id(models.MediaFile).load(root.media_file_id)
        return _url(info, bool(parent and parent.private), root.sha256, root.mime_type)


@strawberry.type(description="An uploaded file after validation and processing.")
class MediaFile(ModelNode):
    model = models.MediaFile

    id: relay.NodeID[int]
    kind: MediaKind = strawberry.field(description="What the file is, decided from its content.")
    purpose: MediaPurpose = strawberry.field(description="What it was uploaded for.")
    mime_type: str = strawberry.field(description="Content type of the stored original.")
    size: int = strawberry.field(description="Size of the stored original in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the stored original (hex).")
    filename: str = strawberry.field(description="The uploader's file name, cleaned (display only).")
    alt: str = strawberry.field(description="Alternative text describing the image.")
    width: int | None = strawberry.field(description="Width in pixels (images), upright.")
    height: int | None = strawberry.field(description="Height in pixels (images), upright.")
    duration: float | None = strawberry.field(description="Length in seconds, when the container states it.")
    animated: bool = strawberry.field(
        description="Whether the uploaded image was animated (it is stored as a still of its first frame)."
    )
    placeholder_color: str = strawberry.field(description="Dominant colour `#rrggbb` (images), for placeholders.")
    placeholder: str = strawberry.field(
        description="A tiny blurred WebP as a `data:` URI (images), shown while the image loads."
    )
    private: bool = strawberry.field(description="Attached to something not public: its URLs are signed and expire.")
    created_at: datetime = strawberry.field(description="When it was uploaded.")

    @strawberry.field(description="Where to fetch the stored original; signed and expiring for private files.")
    @staticmethod
    def url(root: strawberry.Parent[models.MediaFile], info: Info) -> str:
        return _url(info, root.private, root.sha256, root.mime_type)

    @strawberry.field(description="The stored renditions, smallest first (the original last for images).")
    @staticmethod
    async def variants(root: strawberry.Parent[models.MediaFile], info: Info) -> list[MediaVariant]:
        rows = await info.context.loaders.many(models.MediaVariant, "media_file_id").load(root.id)
        return sorted(rows, key=lambda v: (v.name == "original", v.width or 0))

    @strawberry.field(
        description="The URL of the smallest rendition at least `width` pixels wide "
        "(the largest one if none is), for `<img srcset>`-style choices."
    )
    @staticmethod
    async def url_for_width(
        root: strawberry.Parent[models.MediaFile],
        info: Info,
        width: Annotated[int, strawberry.argument(description="The width, in pixels, to display at.")],
    ) -> str:
        rows = await info.context.loaders.many(models.MediaVariant, "media_file_id").load(root.id)
        ordered = sorted(rows, key=lambda v: v.width or 0)
        chosen = next((v for v in ordered if (v.width or 0) >= width), ordered[-1] if ordered else None)
        if chosen is None:
            return _url(info, root.private, root.sha256, root.mime_type)
        return _url(info, root.private, chosen.sha256, chosen.mime_type)

    @strawberry.field(description="The member who uploaded it.")
    @staticmethod
    async def owner(root: strawberry.Parent[models.MediaFile], info: Info) -> User | None:
        if root.owner_id is None:
            return None
        return await info.context.loaders.by_id(UserModel).load(root.owner_id)


@strawberry.type(description="The viewer's media storage use.")
class MediaUsage:
    used_bytes: int = strawberry.field(description="Bytes stored for the viewer's uploads, variants included.")
    quota_bytes: int = strawberry.field(description="The most the viewer may store (MEDIA_QUOTA_BYTES).")


@strawberry.input(description="A file to upload (GraphQL multipart request spec).")
class UploadMediaInput:
    file: Upload = strawberry.field(description="The file part. Its type is decided from its content.")
    purpose: MediaPurpose = strawberry.field(description="What the file is for; decides the accepted kinds.")
    alt: str = strawberry.field(default="", description="Alternative text (images), at most MEDIA_MAX_ALT_LENGTH.")


@strawberry.type(description="Result of `uploadMedia`.")
class UploadMediaPayload(Payload):
    media_file: MediaFile | None = strawberry.field(default=None, description="The stored file.")


@strawberry.input(description="One of the viewer's files to delete.")
class DeleteMediaInput:
    media_id: strawberry.ID = strawberry.field(description="Global id of the MediaFile.")


@strawberry.type(description="Result of `deleteMedia`.")
class DeleteMediaPayload(Payload):
    deleted_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of the deleted file.")


@strawberry.input(description="New alternative text for one of the viewer's files.")
class UpdateMediaInput:
    media_id: strawberry.ID = strawberry.field(description="Global id of the MediaFile.")
    alt: str = strawberry.field(description="Alternative text, at most MEDIA_MAX_ALT_LENGTH characters.")


@strawberry.type(description="Result of `updateMedia`.")
class UpdateMediaPayload(Payload):
    media_file: MediaFile | None = strawberry.field(default=None, description="The updated file.")


@strawberry.input(description="The viewer's new avatar.")
class SetAvatarInput:
    media_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of one of the viewer's uploaded images; null removes the avatar."
    )


@strawberry.type(description="Result of `setAvatar`.")
class SetAvatarPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member with the new avatar.")


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's uploads, newest first.")
    async def my_media(
        self,
        info: Info,
        kind: Annotated[MediaKind | None, strawberry.argument(description="Only files of this kind.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MediaFile]:
        viewer = info.context.viewer
        if viewer is None:
            raise PublicError("Sign in first.")
        query = models.MediaFile.filter(owner_id=viewer.id).order_by("-created_at", "-id")
        if kind is not None:
            query = query.filter(kind=kind)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="The viewer's storage use and quota; null when anonymous.")
    async def media_usage(self, info: Info) -> MediaUsage | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        return MediaUsage(
            used_bytes=await domain.used_bytes(viewer.id), quota_bytes=info.context.settings.media_quota_bytes
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Upload a file (multipart request with the "
        "`GraphQL-Require-Preflight` header). Images are re-encoded without metadata."
    )
    @guard(Require.MEMBER)
    async def upload_media(
        self,
        info: Info,
        input: Annotated[
            UploadMediaInput, strawberry.argument(description="The file, its purpose and alternative text.")
        ],
    ) -> UploadMediaPayload:
        ctx = info.context
        upload = input.file
        if not isinstance(upload, UploadFile):  # e.g. a string in JSON variables
            raise Invalid("Send the file as a part of a multipart request.", field="file")
        media_file = await domain.upload(
            ctx.viewer,
            domain.UploadedFile(filename=upload.filename or "", stream=upload.file),
            models.MediaPurpose(input.purpose),
            input.alt,
            settings=ctx.settings,
            limiter=ctx.limiter,
        )
        return UploadMediaPayload(media_file=media_file)

    @strawberry.mutation(description="Change the alternative text of one of the viewer's files (staff: any file).")
    @guard(Require.MEMBER)
    async def update_media(
        self,
        info: Info,
        input: Annotated[UpdateMediaInput, strawberry.argument(description="The file and its new text.")],
    ) -> UpdateMediaPayload:
        media_id = parse_id(input.media_id, "MediaFile", "mediaId")
        media_file = await domain.update_alt(info.context.viewer, media_id, input.alt, settings=info.context.settings)
        return UpdateMediaPayload(media_file=media_file)

    @strawberry.mutation(description="Delete one of the viewer's files (staff: any file).")
    @guard(Require.MEMBER)
    async def delete_media(
        self,
        info: Info,
        input: Annotated[DeleteMediaInput, strawberry.argument(description="The file to delete.")],
    ) -> DeleteMediaPayload:
        media_id = parse_id(input.media_id, "MediaFile", "mediaId")
        await domain.delete(info.context.viewer, media_id, settings=info.context.settings)
        return DeleteMediaPayload(deleted_id=input.media_id)

    @strawberry.mutation(description="Use one of the viewer's uploaded images as their avatar, or remove it.")
    @guard(Require.MEMBER)
    async def set_avatar(
        self,
        info: Info,
        input: Annotated[SetAvatarInput, strawberry.argument(description="The image to use, or null to remove.")],
    ) -> SetAvatarPayload:
        media_id = None if input.media_id is None else parse_id(input.media_id, "MediaFile", "mediaId")
        user = await domain.set_avatar(info.context.viewer, media_id)
        return SetAvatarPayload(user=user)
