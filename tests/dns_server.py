"""A real DNS server (UDP, on a loopback port, answers built with dnspython) for the tests of
replies by mail: it serves the TXT records it is given (DKIM keys), NXDOMAIN for other names,
and can fall silent (an outage). `Signer` makes a domain's DKIM key, publishes it there and signs."""

from __future__ import annotations

import asyncio
import base64
from email.message import EmailMessage

import dkim
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class DnsServer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.records: dict[str, str] = {}  # name (no trailing dot) -> TXT text
        self.silent = False
        self.questions: list[str] = []

    async def start(self) -> str:
        """Listen; returns the server's `ip:port`."""
        self.transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", 0)
        )
        return "127.0.0.1:{}".format(self.transport.get_extra_info("sockname")[1])

    def close(self) -> None:
        self.transport.close()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        self.questions.append(name)
        if self.silent:
            return
        response = dns.message.make_response(query)
        text = self.records.get(name)
        if text is not None and question.rdtype == dns.rdatatype.TXT:
            chunks = " ".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))  # strings of < 256
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", chunks))
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        self.transport.sendto(response.to_wire(), addr)


class Signer:
    """A domain's DKIM key (RSA, 2048 bits), published in `server` under `selector`."""

    def __init__(self, server: DnsServer, domain: str, selector: str = "mail") -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.domain, self.selector = domain, selector
        self.pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        server.records[f"{selector}._domainkey.{domain}"] = "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()

    def sign(self, message: EmailMessage | bytes, **options: object) -> bytes:
        """The message with this domain's DKIM-Signature on top (`options`: dkimpy's, e.g. `length`)."""
        data = message if isinstance(message, bytes) else message.as_bytes()
        options.setdefault("include_headers", [b"from", b"to", b"cc", b"subject", b"date", b"message-id"])
        return dkim.sign(data, self.selector.encode(), self.domain.encode(), self.pem, **options) + data
