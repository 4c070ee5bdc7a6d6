"""The CSRF defence of uploads: a multipart request must carry a header that makes browsers
send a CORS preflight, which a cross-site HTML form cannot. The headers common clients
already send are accepted (README, "For frontend developers")."""

from __future__ import annotations

from collections.abc import Mapping

PREFLIGHT_HEADERS = ("GraphQL-Require-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name")


def has_preflight_header(headers: Mapping[str, str]) -> bool:
    return any((headers.get(name) or "").strip() for name in PREFLIGHT_HEADERS)


def refusal() -> str:
    names = ", ".join(PREFLIGHT_HEADERS)
    return f"Multipart requests need a non-empty GraphQL-Require-Preflight header (or one of {names})."
