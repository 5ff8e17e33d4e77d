"""The HTTP edge: FastAPI routes, request parsing, middlewares and the mapping of errors to
replies. It reaches storage and DNSimple only through ``dns_api.services``."""
