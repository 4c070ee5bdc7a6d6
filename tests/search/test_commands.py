"""`guildhall reindex` is a registered command with its options."""

from __future__ import annotations

from api.cli import build_parser
from search.commands import cmd_reindex


def test_reindex_command_is_registered():
    args = build_parser().parse_args(["reindex", "--kind", "article", "--kind", "member"])
    assert args.func is cmd_reindex and args.kind == ["article", "member"]
    assert build_parser().parse_args(["reindex"]).kind is None
