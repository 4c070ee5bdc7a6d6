"""`guildhall mail-in`: the inbound SMTP listener for replies by mail."""

from __future__ import annotations

import argparse
import asyncio

from api.cli import with_db
from api.registry import Command
from api.settings import Settings


def cmd_mail_in(args: argparse.Namespace, settings: Settings) -> int:
    from api.domain.mail.inbound import serve

    if not settings.email_reply_domain:
        print("mail-in: set EMAIL_REPLY_DOMAIN first (replies by mail are off)")
        return 2

    async def run() -> int:
        server = await serve(settings, args.host, args.port)
        where = ", ".join(str(s.getsockname()) for s in server.sockets)
        print(f"mail-in: listening on {where} for reply+...@{settings.email_reply_domain}", flush=True)
        async with server:
            await server.serve_forever()
        return 0

    return asyncio.run(with_db(settings, run))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface (default EMAIL_INBOUND_HOST)")
    parser.add_argument("--port", type=int, help="port (default EMAIL_INBOUND_PORT)")


MAIL_IN = Command("mail-in", "listen for replies by mail (SMTP) and post them", cmd_mail_in, _configure)
