"""``python -m dns_api``: the ``dns-api`` command line."""

from dns_api.cli import main

main()
