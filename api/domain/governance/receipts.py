"""Ballot receipts: an HMAC over the proposal, the ballot and a private salt.

The salt is per ballot (random, never published) and the key is `settings.signing_key`, so a
receipt reveals nothing about the ballot and cannot be forged or recomputed by anyone else.
After close the anonymised ballot list pairs each receipt with its choices; a voter checks
that their receipt is listed with the choices they cast (`verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def receipt_for(key: bytes, proposal_id: int, choices: list[str], salt: str) -> str:
    message = json.dumps(["ballot", proposal_id, choices, salt], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def normalise(receipt: str) -> str:
    return receipt.strip().lower()


def is_well_formed(receipt: str) -> bool:
    value = normalise(receipt)
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
