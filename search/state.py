"""Search state kept in the database (`SearchSetting` rows): synonyms edited by admins, the
last error of the outbox worker, and the marker of a running rebuild."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from api.models.search import SearchSetting
from api.timeutil import now

SYNONYMS = "synonyms"
LAST_ERROR = "last_error"
REBUILD = "rebuild"

# A rebuild marker older than this belongs to a crashed rebuild and is ignored.
REBUILD_STALE_AFTER = timedelta(hours=2)


async def _get(key: str) -> dict[str, Any] | None:
    row = await SearchSetting.filter(key=key).first()
    return None if row is None else row.value


async def _put(key: str, value: dict[str, Any]) -> None:
    updated = await SearchSetting.filter(key=key).update(value=value)
    if not updated:
        await SearchSetting.get_or_create(key=key, defaults={"value": value})
        await SearchSetting.filter(key=key).update(value=value)


async def get_synonyms() -> dict[str, list[str]]:
    value = await _get(SYNONYMS)
    return dict(value.get("words", {})) if value else {}


async def store_synonyms(words: dict[str, list[str]]) -> None:
    """Store synonyms; the worker applies them to the indexes when not yet `applied`."""
    await _put(SYNONYMS, {"words": words, "applied": False})


async def synonyms_pending() -> bool:
    value = await _get(SYNONYMS)
    if not value:
        return False
    return not value.get("applied", False)


async def mark_synonyms_applied() -> None:
    value = await _get(SYNONYMS)
    if value and not value.get("applied"):
        await _put(SYNONYMS, {**value, "applied": True})


async def record_error(message: str) -> None:
    await _put(LAST_ERROR, {"message": message[:2000], "at": now().isoformat()})


async def last_error() -> tuple[str, datetime] | None:
    value = await _get(LAST_ERROR)
    if not value:
        return None
    return value["message"], datetime.fromisoformat(value["at"])


async def start_rebuild(token: str) -> bool:
    """Set the rebuild marker; False when another rebuild is running."""
    current = await _get(REBUILD)
    if current and now() - datetime.fromisoformat(current["started_at"]) < REBUILD_STALE_AFTER:
        return False
    await _put(REBUILD, {"token": token, "started_at": now().isoformat()})
    return True


async def rebuild_running() -> bool:
    current = await _get(REBUILD)
    if not current:
        return False
    return now() - datetime.fromisoformat(current["started_at"]) < REBUILD_STALE_AFTER


async def finish_rebuild() -> None:
    await SearchSetting.filter(key=REBUILD).delete()
