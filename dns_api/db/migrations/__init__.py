"""Alembic's environment for dns-api's schema (run by ``dns_api.db.migrate``)."""
