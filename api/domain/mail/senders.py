"""Whether a reply by mail was written by the member, to this reply address: a valid DKIM signature
(RFC 6376) made by the domain of the member's address, or by a parent domain of it (`example.org`
for `lists.example.org`), that vouches for the mail as it arrived.

A From address alone is only a claim: whoever saw a member's reply address (a forwarded
notification mail) could post as them. So a signature counts only when
- it covers From (the member's address: `inbound` compares it), To or Cc with the reply address in
  it (a mail the member sent elsewhere, to a friend say, cannot be re-sent here as a post), and
  Message-ID (the same mail is taken once: `InboundReply`);
- it covers the whole body (one with a body length, `l=`, would let anyone append text);
- its key has at least 1024 bits.
Headers that may appear once (From, To, Subject, the MIME ones...) must appear at most once, or a
second, unsigned copy could change what the signed text says or how it is read.

Only the signatures of the member's domain are checked, at most `MAX_SIGNATURES` of them: a mail
cannot make the listener look up keys anywhere else. Keys are looked up in DNS, blocking, so the
check runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from email.message import Message
from email.utils import getaddresses, parseaddr

import dkim  # type: ignore[import-untyped]
import dkim.util  # type: ignore[import-untyped]
import dns.exception
import dns.rdatatype
import dns.resolver

from api.settings import Settings

TxtLookup = Callable[..., bytes | None]
DNS_SECONDS = 5.0  # how long a key's lookup may take before the sender is told to try again
MAX_SIGNATURES = 3
ONCE = ("from", "sender", "to", "cc", "subject", "message-id", "date", "mime-version", "content-type",
        "content-transfer-encoding")  # fmt: skip


class LookupFailed(Exception):
    """DNS did not answer: the sender's server should try again later."""


def domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].lower().rstrip(".")


def aligned(from_domain: str, signer: str) -> bool:
    """Whether a signature of `signer` vouches for mail from `from_domain`."""
    return bool(signer) and (from_domain == signer or from_domain.endswith("." + signer))


def repeated_header(message: Message) -> str | None:
    """The first header of `ONCE` that appears more than once, if any."""
    return next((name for name in ONCE if len(message.get_all(name) or []) > 1), None)


def txt_lookup(server: str) -> TxtLookup:
    """dkimpy's `dnsfunc` asking `server` (`ip:port`), or the system's resolver when empty."""
    resolver = dns.resolver.Resolver(configure=not server)
    if server:
        host, _, port = server.rpartition(":")
        resolver.nameservers, resolver.port = [host.strip("[]")], int(port)

    def lookup(name: bytes, timeout: float = 5) -> bytes | None:
        try:
            answer = resolver.resolve(name.decode(), dns.rdatatype.TXT, lifetime=timeout, raise_on_no_answer=False)
        except (dns.exception.Timeout, dns.resolver.NoNameservers):  # SERVFAIL too: temporary
            # Not dkimpy's DnsTimeoutError, which its verify takes for a bad signature.
            raise LookupFailed(name.decode(errors="replace")) from None
        except (dns.exception.DNSException, UnicodeError):  # no such name, or no name at all
            return None
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(next(iter(rrset)).strings)
        return None

    return lookup


def _recipients(message: Message, names: set[str]) -> set[str]:
    return {a.lower() for _, a in getaddresses([str(v) for name in names for v in message.get_all(name) or []])}


def vouched(data: bytes, message: Message, domain: str, reply_address: str, lookup: TxtLookup) -> bool:
    """Whether a signature of `domain` (or a parent) on the message verifies and covers what the
    module says. Raises LookupFailed when it does not, but the key of one of them went unanswered."""
    checker = dkim.DKIM(data, minkey=1024, timeout=DNS_SECONDS)
    signatures = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    ours = []
    for index, value in enumerate(signatures):
        try:
            signer = dkim.util.parse_tag_value(value).get(b"d", b"").decode().lower().rstrip(".")
        except (dkim.util.InvalidTagValueList, UnicodeError):
            continue
        if aligned(domain, signer):
            ours.append(index)
    unanswered = False
    for index in ours[:MAX_SIGNATURES]:
        try:
            if not checker.verify(index, dnsfunc=lookup):
                continue
        except LookupFailed:
            unanswered = True
            continue
        except dkim.DKIMException:  # malformed signature or key: it vouches for nothing
            continue
        signed = set(checker.include_headers)
        if b"l" in checker.signature_fields or not {b"from", b"message-id"} <= signed:
            continue
        if reply_address.lower() in _recipients(message, {n for n in ("to", "cc") if n.encode() in signed}):
            return True
    if unanswered:
        raise LookupFailed(domain)
    return False


async def signed_for(settings: Settings, data: bytes, message: Message, address: str, reply_address: str) -> bool:
    """Whether the member's domain (of `address`) vouches for the mail, as above (always true when
    EMAIL_INBOUND_REQUIRE_DKIM is off). Raises LookupFailed when DNS did not answer."""
    if not settings.email_inbound_require_dkim:
        return True
    lookup = txt_lookup(settings.email_inbound_dns)
    return await asyncio.to_thread(vouched, data, message, domain_of(address), reply_address, lookup)
