"""One sample record per DNSimple record type, before and after an update, and how DNSimple
stores each: what the third-party clients write and what the tests expect to read back.

Every name is below the apex (a CNAME may not sit there, and the dnsimple client cannot send an
empty name at all: see ``test_dnsimple_client``). MX and SRV carry their priority in its own
field, as DNSimple's API wants; TXT and SPF come back in DNSimple's quoted form.
"""

from __future__ import annotations

from dataclasses import dataclass

ZONE = "example.com"
SSHFP_SHA1 = "1 1 c4d1b9b2a1f1e2d3c4b5a6978899aabbccddeeff"
SSHFP_SHA256 = "4 2 " + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
NAPTR_SIP = '100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .'
NAPTR_EMAIL = '100 20 "U" "E2U+email" "!^.*$!mailto:info@example.com!" .'


@dataclass(frozen=True)
class Value:
    """What a client sends for one record: its content and, for MX and SRV, its priority."""

    content: str
    priority: int | None = None

    @property
    def stored(self) -> str:
        """The content as DNSimple stores it (TXT and SPF as quoted character-strings)."""
        return self.content


@dataclass(frozen=True)
class Quoted(Value):
    """A TXT or SPF value: DNSimple stores plain text as one quoted character-string."""

    @property
    def stored(self) -> str:
        return '"' + self.content.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Sample:
    """A record of ``rtype`` at ``name`` (relative), written as ``first``, then updated to
    ``second``."""

    rtype: str
    name: str
    first: Value
    second: Value

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{ZONE}"


SAMPLES = (
    Sample("A", "a", Value("192.0.2.10"), Value("192.0.2.11")),
    Sample("AAAA", "aaaa", Value("2001:db8::10"), Value("2001:db8::11")),
    Sample("CNAME", "cname", Value("target.example.net"), Value("other.example.net")),
    Sample("MX", "mx", Value("mail.example.net", 10), Value("mail2.example.net", 20)),
    Sample("TXT", "txt", Quoted("hello world"), Quoted("v=1 updated")),
    Sample(
        "SRV",
        "_sip._tcp",
        Value("5 5060 sip.example.net", 10),
        Value("5 5061 sip2.example.net", 20),
    ),
    Sample("CAA", "caa", Value('0 issue "letsencrypt.org"'), Value('0 issuewild "sectigo.com"')),
    Sample("NS", "sub", Value("ns1.example.net"), Value("ns2.example.net")),
    Sample("PTR", "ptr", Value("host.example.net"), Value("host2.example.net")),
    Sample("ALIAS", "alias", Value("target.example.net"), Value("other.example.net")),
    Sample("SPF", "spf", Quoted("v=spf1 -all"), Quoted("v=spf1 mx -all")),
    Sample("SSHFP", "sshfp", Value(SSHFP_SHA1), Value(SSHFP_SHA256)),
    Sample("NAPTR", "naptr", Value(NAPTR_SIP), Value(NAPTR_EMAIL)),
    Sample("URL", "url", Value("https://example.net/"), Value("https://example.net/other")),
    Sample("HINFO", "hinfo", Value('"x86_64" "Linux"'), Value('"arm64" "FreeBSD"')),
)
