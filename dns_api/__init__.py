"""dns-api: a self-hosted gateway for scoped changes to DNS records in a DNSimple account."""

__version__ = "0.2.0"
