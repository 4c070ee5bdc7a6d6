"""Password hashing (argon2id) and strength rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# A dummy hash verified when the login name is unknown, so timing does not reveal
# whether an account exists.
_DUMMY_HASH = _hasher.hash("guildhall-dummy-password")

_COMMON = {
    "password",
    "password1",
    "password123",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "iloveyou",
    "admin12345",
    "letmein123",
    "welcome123",
    "abcdefghij",
    "passw0rd123",
}


def password_problem(password: str, *, min_length: int, username: str = "", email: str = "") -> str | None:
    """Why `password` is too weak, or None when it is acceptable."""
    if len(password) < min_length:
        return f"Use at least {min_length} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        return "This password is too common or too simple."
    if username and username.casefold() in lowered:
        return "The password must not contain the username."
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "The password must not contain the email address."
    return None


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# argon2 is deliberately slow (and takes 64 MiB): off the event loop, a few at a time
# (PASSWORD_HASH_CONCURRENCY). It releases the GIL, so threads suffice (api.offload).
async def hash_password(password: str) -> str:
    from api import offload

    return await offload.run("password", _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    from api import offload

    return await offload.run("password", _verify, password_hash, password)
