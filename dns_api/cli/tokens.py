"""``dns-api token``: the original service's tokens."""

from __future__ import annotations

import typer

from dns_api.cli.common import fail, settings_or_exit
from dns_api.services.container import legacy_verifier
from dns_api.settings import Settings

app = typer.Typer(no_args_is_help=True)


def token_lines(settings: Settings) -> list[str]:
    """One ``*** token for <user>: <token>`` line per user, as the original token-generator."""
    verifier = legacy_verifier(settings)
    return [f"*** token for {user}: {verifier.issue(user)}" for user in settings.valid_users]


@app.command("print")
def print_tokens() -> None:
    """Print a token for each user in VALID_USERS (signed with SECRET_KEY)."""
    settings = settings_or_exit()
    if not settings.valid_users:
        fail("VALID_USERS is empty: list the users that may hold tokens", 2)
    for line in token_lines(settings):
        typer.echo(line)
