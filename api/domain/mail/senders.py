"""Whether a reply by mail comes from the member's mail domain: a valid DKIM signature (RFC 6376)
made by the domain of their address, or by a parent domain of it (`example.org` for
`lists.example.org`).

A signature counts only when it covers the From header and the whole body (one with a body length,
`l=`, would let anyone append text to a signed mail), with a key of at least 1024 bits. Without it,
a From address is only a claim: whoever saw a member's reply address (a forwarded notification
mail) could post as them. Keys are looked up in DNS, blocking, so the check runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from email.utils import parseaddr

import dkim  # type: ignore[import-untyped]
import dns.exception
import dns.rdatatype
import dns.resolver

from api.settings import Settings

TxtLookup = Callable[..., bytes | None]
DNS_SECONDS = 5.0  # how long a key's lookup may take before the sender is told to try again


class LookupFailed(Exception):
    """DNS did not answer: the sender's server should try again later."""


def domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].lower().rstrip(".")


def aligned(from_domain: str, signer: str) -> bool:
    """Whether a signature of `signer` vouches for mail from `from_domain`."""
    return bool(signer) and (from_domain == signer or from_domain.endswith("." + signer))


def txt_lookup(server: str) -> TxtLookup:
    """dkimpy's `dnsfunc` asking `server` (`ip:port`), or the system's resolver when empty."""
    resolver = dns.resolver.Resolver(configure=not server)
    if server:
        host, _, port = server.rpartition(":")
        resolver.nameservers, resolver.port = [host.strip("[]")], int(port)

    def lookup(name: bytes, timeout: float = 5) -> bytes | None:
        try:
            answer = resolver.resolve(name.decode(), dns.rdatatype.TXT, lifetime=timeout, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None
        except (dns.exception.Timeout, dns.resolver.NoNameservers):  # SERVFAIL too: temporary
            # Not dkimpy's DnsTimeoutError, which its verify takes for a bad signature.
            raise LookupFailed(name.decode()) from None
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(next(iter(rrset)).strings)
        return None

    return lookup


def signing_domains(data: bytes, lookup: TxtLookup) -> tuple[set[str], bool]:
    """The domains whose signatures on the message verify (and cover From and the whole body), and
    whether the key of some other signature could not be looked up (DNS timed out or failed)."""
    checker = dkim.DKIM(data, minkey=1024, timeout=DNS_SECONDS)
    count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    found, unanswered = set(), False
    for index in range(count):
        try:
            good = checker.verify(index, dnsfunc=lookup)
        except LookupFailed:
            unanswered = True
            continue
        except dkim.DKIMException:  # malformed signature or key: it vouches for nothing
            continue
        if good and b"from" in checker.include_headers and b"l" not in checker.signature_fields:
            found.add(checker.domain.decode().lower().rstrip("."))
    return found, unanswered


async def signed_for(settings: Settings, data: bytes, address: str) -> bool:
    """Whether the message is signed by the domain of `address`, the member's own (not whatever
    the From header claims: a mail signed by the sender's own domain could name the member only in
    its envelope). Always true when EMAIL_INBOUND_REQUIRE_DKIM is off. Raises LookupFailed when it
    is not, but a key could not be looked up."""
    if not settings.email_inbound_require_dkim:
        return True
    domain = domain_of(address)
    signers, unanswered = await asyncio.to_thread(signing_domains, data, txt_lookup(settings.email_inbound_dns))
    if any(aligned(domain, signer) for signer in signers):
        return True
    if unanswered:
        raise LookupFailed(domain)
    return False
