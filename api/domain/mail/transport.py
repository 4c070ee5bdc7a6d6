"""Where messages go, from EMAIL_URL: an SMTP server (aiosmtplib; STARTTLS or implicit TLS) or a
folder of `.eml` files (`file://PATH`, the embedded default, so `make run` shows what is sent)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlparse

import aiosmtplib

from api.settings import ROOT, Settings


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying would not help."""


class TemporaryFailure(Exception):
    """The server refused this one message for now (4xx): retry it later, send the others."""


class Transport:
    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def send(self, sender: str, to: str, message_id: str, data: bytes) -> None:
        """Send one serialized message (`data`, headers included) from `sender` to `to`."""
        raise NotImplementedError


class FileTransport(Transport):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, sender: str, to: str, message_id: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, message_id, data)

    def _write(self, message_id: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-._" else "_" for c in message_id)
        temp = self.folder / f".{name}.tmp"
        temp.write_bytes(data)
        os.replace(temp, self.folder / f"{name}.eml")  # readers never see half a file


class SmtpTransport(Transport):
    """One connection per worker pass, every message of the batch sent over it."""

    def __init__(self, url: str, timeout: float) -> None:
        parsed = urlparse(url)
        options = {k: v[-1].lower() for k, v in parse_qs(parsed.query).items()}
        implicit = parsed.scheme == "smtps"
        starttls = options.get("starttls")
        self.smtp = aiosmtplib.SMTP(
            hostname=parsed.hostname,
            port=parsed.port or (465 if implicit else 587),
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            use_tls=implicit,
            # true: required; false: never; absent: when the server offers it
            start_tls=None if implicit or starttls is None else starttls in {"1", "true", "yes"},
            timeout=timeout,
        )

    async def __aenter__(self) -> SmtpTransport:
        await self.smtp.connect()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.smtp.is_connected:
            try:
                await self.smtp.quit()
            except aiosmtplib.SMTPException:
                self.smtp.close()

    async def send(self, sender: str, to: str, message_id: str, data: bytes) -> None:
        try:
            await self.smtp.sendmail(sender, [to], data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(500 <= r.code < 600 for r in exc.recipients):
                raise PermanentFailure(str(exc)) from exc
            raise TemporaryFailure(str(exc)) from exc
        except aiosmtplib.SMTPServerDisconnected:
            raise
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"{exc.code} {exc.message}") from exc
            if 400 <= exc.code < 500:
                raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
            raise


def file_folder(url: str) -> Path:
    path = Path(url[len("file://") :])
    return path if path.is_absolute() else ROOT / path


def transport(settings: Settings) -> Transport:
    if settings.email_url.startswith("file://"):
        return FileTransport(file_folder(settings.email_url))
    return SmtpTransport(settings.email_url, settings.email_timeout_seconds)
