"""The rules, as pure code: names, record values, record sets and plans, token scopes and
policy. No I/O; imports nothing outside ``dns_api.domain`` and ``dns_api.errors``."""
