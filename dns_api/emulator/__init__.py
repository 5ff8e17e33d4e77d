"""An emulator of the part of DNSimple's API v2 that dns-api uses, served over real HTTP.

Used by the contract tests, by the benchmarks, and by demo mode (``make run`` without DNSimple
credentials): ``dns-api serve`` and ``dns-api emulator`` (``dns_api.cli``) start it; the service
itself (api, services, domain, db, providers) never imports it. ``EmulatorState`` holds the account,
``create_emulator_app`` is the Starlette app and ``start_emulator`` serves it in a thread.
"""

from dns_api.emulator.app import create_emulator_app
from dns_api.emulator.server import RunningEmulator, start_emulator
from dns_api.emulator.state import EmulatorState, Faults

__all__ = ["EmulatorState", "Faults", "RunningEmulator", "create_emulator_app", "start_emulator"]
