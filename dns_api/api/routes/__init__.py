"""One router per part of the HTTP API (records, record sets, tokens, audit, admin, health and
the protocol endpoints for ACME clients and routers)."""
