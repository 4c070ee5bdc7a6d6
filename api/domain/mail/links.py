"""Links in mail: frontend pages (PUBLIC_URL and the *_URL templates) and signed one-click
unsubscribe tokens, which work without signing in."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from api.settings import Settings

# What an unsubscribe token turns off: every bulk mail, or only the digest.
SCOPES = ("all", "digest")


def frontend(settings: Settings, template: str, **values: str | int) -> str:
    """`template` with `{token}`/`{id}` filled (URL-quoted); a path is joined to PUBLIC_URL."""
    link = template.format(**{k: quote(str(v), safe="") for k, v in values.items()})
    return settings.public_url.rstrip("/") + link if link.startswith("/") else link


# Page links in an outbox row's context name the setting of their URL template; the worker,
# which has the settings in force, resolves them when it renders the message.
PAGES = ("password_reset_url", "email_verify_url", "email_change_url", "notifications_url", "announcement_url")


def global_id(type_name: str, pk: int) -> str:
    """The Relay global id the frontend knows an object by (as `schema.relay` encodes it)."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def page(setting: str, **values: str | int) -> dict[str, str | int]:
    """A link to a frontend page, for a mail's context (resolved by `resolve` when sent)."""
    if setting not in PAGES:
        raise ValueError(f"unknown page {setting!r}")
    return {"$page": setting, **values}


def resolve(settings: Settings, value: object) -> object:
    if isinstance(value, dict) and value.get("$page") in PAGES:
        values = {k: v for k, v in value.items() if k != "$page"}
        return frontend(settings, getattr(settings, str(value["$page"])), **values)
    return value


def _sign(settings: Settings, payload: str) -> str:
    digest = hmac.new(settings.signing_key, b"unsubscribe:" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def unsubscribe_token(settings: Settings, user_id: int, scope: str = "all") -> str:
    payload = f"{user_id}.{scope}"
    return f"{payload}.{_sign(settings, payload)}"


def read_unsubscribe_token(settings: Settings, token: str) -> tuple[int, str] | None:
    """(member id, scope) of a genuine token, else None."""
    user_id, _, rest = token.partition(".")
    scope, _, signature = rest.partition(".")
    if not user_id.isdigit() or scope not in SCOPES or len(token) > 100:
        return None
    if not hmac.compare_digest(signature, _sign(settings, f"{user_id}.{scope}")):
        return None
    return int(user_id), scope


def unsubscribe_url(settings: Settings, user_id: int, scope: str = "all") -> str:
    return f"{settings.api_public_url.rstrip('/')}/unsubscribe?token={unsubscribe_token(settings, user_id, scope)}"
