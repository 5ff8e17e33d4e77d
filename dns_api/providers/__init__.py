"""DNS providers: the ``DnsProvider`` protocol and its DNSimple client (httpx)."""
