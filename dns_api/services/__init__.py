"""The use cases: each write and read the API, the CLI and the protocols offer, built once by
``services.container.build_services``."""
