"""Point dnspython's default resolver at the emulator's DNS server, for the ``lexicon`` command.

lexicon's command line always looks up the zone of its domain with
``dns.resolver.zone_for_name`` (its ``--resolve-zone-name`` flag defaults to False, which the
client reads as "set": dns-lexicon issue 104), so it needs a resolver that knows the zone. The
tests put this folder on ``PYTHONPATH`` and set ``THIRDPARTY_DNS_SERVER=127.0.0.1:<port>``;
Python's ``site`` imports this module at start-up, and the lookup then asks the emulator's own
DNS server, as it would ask the one in ``/etc/resolv.conf``. Without the variable: no change.
"""

from __future__ import annotations

import os


def _use_emulator_dns(address: str) -> None:
    import dns.resolver

    host, _, port = address.rpartition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port)
    dns.resolver.default_resolver = resolver


_ADDRESS = os.environ.get("THIRDPARTY_DNS_SERVER")
if _ADDRESS:
    _use_emulator_dns(_ADDRESS)
