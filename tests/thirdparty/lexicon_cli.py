"""The ``lexicon`` command, its dnsimple provider pointed at the emulator.

The provider reads its API endpoint from ``LEXICON_DNSIMPLE_API_ENDPOINT`` (the command has no
option for it); the token goes on the command line (``--auth-token``). The command looks the
zone up over DNS (see ``resolver_hook/sitecustomize.py``), so it is told the address of the
emulator's DNS server too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import EMULATOR_TOKEN
from tests.thirdparty.harness import HERE, Finished, environment, run
from tests.thirdparty.samples import ZONE

RESOLVER_HOOK = HERE / "resolver_hook"


@dataclass(frozen=True)
class LexiconCli:
    """``lexicon dnsimple <action> example.com <type> ...`` against the emulator."""

    program: Path
    api_endpoint: str
    dns_server: str  # host:port
    home: Path

    def __call__(
        self,
        action: str,
        rtype: str,
        *options: str,
        token: str = EMULATOR_TOKEN,
        domain: str = ZONE,
    ) -> Finished:
        """One run; its output is JSON (``--output JSON``)."""
        args = [str(self.program), "dnsimple", action, domain, rtype, *options]
        args += ["--auth-token", token, "--output", "JSON"]
        env = environment(
            self.home,
            LEXICON_DNSIMPLE_API_ENDPOINT=self.api_endpoint,
            PYTHONPATH=str(RESOLVER_HOOK),
            THIRDPARTY_DNS_SERVER=self.dns_server,
        )
        return run(args, env=env, cwd=self.home)

    def succeeds(self, action: str, rtype: str, *options: str) -> Any:
        """The JSON the command printed; an AssertionError (with its output) if it failed."""
        finished = self(action, rtype, *options)
        assert finished.ok, str(finished)
        return json.loads(finished.stdout)
