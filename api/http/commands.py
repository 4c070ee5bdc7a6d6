"""`guildhall persist-queries FILE [--prune]`: register the operations of a client's persisted
query manifest (see `api.http.persisted`).

Accepted manifests, as client tooling writes them:
- Apollo's (`npx generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "body", "name", "type"}]}`
- GraphQL Code Generator's client preset (`persisted-documents.json`) and Relay's: `{"<id>": "<document>"}`.

Every document must parse and validate against this server's schema; one bad document and
nothing is registered. Registering is idempotent; `--prune` removes the operations the file
does not list (those of app versions no longer in use).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from api.cli import with_db
from api.http.persisted import sha256_hex
from api.registry import Command
from api.settings import Settings


class ManifestError(ValueError):
    """The manifest cannot be registered; the message says where and why."""


@dataclass(frozen=True)
class Operation:
    id: str
    body: str
    name: str | None
    operation_type: str


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    known: int = 0
    removed: int = 0


def _entries(data: object) -> list[tuple[str, str, str | None]]:
    """(id, body, name) of each operation of a manifest, whatever its format."""
    if isinstance(data, dict) and "operations" in data:
        operations = data["operations"]
        if data.get("format", "apollo-persisted-query-manifest") != "apollo-persisted-query-manifest":
            raise ManifestError(f"unknown manifest format {data.get('format')!r}")
        if not isinstance(operations, list):
            raise ManifestError('"operations" must be a list')
        found = []
        for number, item in enumerate(operations, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("body"), str):
                raise ManifestError(f"operation {number} has no body")
            op_id = item.get("id") or sha256_hex(item["body"])
            found.append((str(op_id), item["body"], item.get("name")))
        return found
    if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
        return [(str(k), v, None) for k, v in data.items()]
    raise ManifestError("expected an Apollo persisted query manifest or a JSON object of id -> document")


def parse_manifest(text: str, settings: Settings) -> list[Operation]:
    """The operations of a manifest, each checked against the schema."""
    from graphql import GraphQLError, OperationDefinitionNode, parse, validate

    from schema import build_schema

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"not JSON: {exc}") from None
    schema = build_schema(settings)._schema
    operations = []
    seen: dict[str, str] = {}
    for op_id, body, name in _entries(data):
        label = f"operation {name or op_id!r}"
        if not 1 <= len(op_id) <= 128:
            raise ManifestError(f"{label}: ids have 1 to 128 characters")
        if len(op_id) == 64 and all(c in "0123456789abcdefABCDEF" for c in op_id) and op_id.lower() != sha256_hex(body):
            raise ManifestError(f"{label}: its id looks like a SHA-256 but is not the hash of its body")
        if seen.get(op_id, body) != body:
            raise ManifestError(f"{label}: the id is listed twice with different documents")
        seen[op_id] = body
        try:
            document = parse(body)
        except GraphQLError as exc:
            raise ManifestError(f"{label}: {exc.message}") from None
        errors = validate(schema, document)
        if errors:
            raise ManifestError(f"{label}: {errors[0].message}")
        definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        first = definitions[0]
        operations.append(
            Operation(
                id=op_id.lower() if len(op_id) == 64 else op_id,
                body=body,
                name=name or (first.name.value if first.name else None),
                operation_type=first.operation.value,
            )
        )
    return operations


async def register(operations: list[Operation], *, prune: bool = False) -> Report:
    """Add the operations not yet registered (and with `prune`, remove the others), at once."""
    from api.models.persisted import PersistedOperation
    from api.transactions import transaction

    report = Report()
    wanted = {op.id: op for op in operations}
    async with transaction():
        existing = dict(await PersistedOperation.filter(id__in=list(wanted)).values_list("id", "body"))
        for op in wanted.values():
            if op.id in existing:
                if existing[op.id] != op.body:
                    raise ManifestError(
                        f"operation {op.name or op.id!r}: id {op.id} is registered with another document"
                    )
                report.known += 1
                continue
            await PersistedOperation.create(
                id=op.id, sha256=sha256_hex(op.body), name=op.name, operation_type=op.operation_type, body=op.body
            )
            report.added.append(op.id)
        if prune:
            report.removed = await PersistedOperation.exclude(id__in=list(wanted)).delete()
    return report


def cmd_persist_queries(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    try:
        operations = parse_manifest(path.read_text(encoding="utf-8"), settings)
    except (OSError, ManifestError) as exc:
        print(f"persist-queries: {path}: {exc}", file=sys.stderr)
        return 1

    async def run() -> int:
        try:
            report = await register(operations, prune=args.prune)
        except ManifestError as exc:
            print(f"persist-queries: {path}: {exc}", file=sys.stderr)
            return 1
        print(
            f"{len(report.added)} operations registered, {report.known} already known"
            + (f", {report.removed} removed" if args.prune else "")
        )
        return 0

    return asyncio.run(with_db(settings, run))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="persisted query manifest (JSON) written by the client's tooling")
    parser.add_argument("--prune", action="store_true", help="remove registered operations the file does not list")


PERSIST_QUERIES = Command(
    "persist-queries", "register the operations of a persisted query manifest", cmd_persist_queries, _configure
)
