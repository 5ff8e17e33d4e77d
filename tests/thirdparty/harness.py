"""Running a third-party client in its own venv: finding the venv, running a program with a
deadline, and reading a driver's JSON outcomes.

The venvs live in ``.venv-thirdparty/`` (``scripts/install-thirdparty``). A missing one skips the
test, or fails it under ``DNS_API_REQUIRE_CLIENTS=1`` (CI), as for ``tests/clients/``. Every
process runs in its own session and is ended by its process-group id, also at the deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clients.harness import REQUIRE, client_environment

HERE = Path(__file__).resolve().parent
VENVS = HERE.parents[1] / ".venv-thirdparty"
PROGRAM_TIMEOUT_S = 60.0


def venv_program(venv: str, program: str = "python") -> Path:
    """``.venv-thirdparty/<venv>/bin/<program>``; missing: skip, or fail under CI's variable."""
    path = VENVS / venv / "bin" / program
    if path.is_file() and os.access(path, os.X_OK):
        return path
    reason = f"{path.relative_to(VENVS.parent)} is missing (scripts/install-thirdparty makes it)"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but {reason}")
    pytest.skip(reason)


def environment(home: Path, **extra: str) -> dict[str, str]:
    """A small environment for a client: no proxies, and no fetch of the public suffix list
    (lexicon's tldextract then uses the copy it ships: tests never reach the internet)."""
    return client_environment(home, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", **extra)


@dataclass(frozen=True)
class Finished:
    """One finished (or killed) run of a program; ``str()`` is the assertion message."""

    args: Sequence[str]
    returncode: int | None  # None: killed at the deadline
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        status = "timed out" if self.returncode is None else f"exit {self.returncode}"
        command = " ".join(self.args)
        return f"{command}\n-> {status}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdin: str = "",
    timeout: float = PROGRAM_TIMEOUT_S,
) -> Finished:
    """Run ``args`` with ``stdin`` to the end, killing its process group at ``timeout``."""
    process = subprocess.Popen(
        list(args),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    returncode: int | None
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
        returncode = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        stdout, stderr = process.communicate()
        returncode = None
    finally:
        _kill_group(process.pid)  # anything it left behind in its group
        if process.poll() is None:
            process.kill()
            process.wait()
    return Finished(list(args), returncode, stdout, stderr)


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# -- drivers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one step of a driver gave: a value, or the error the client raised."""

    ok: bool
    value: Any = None
    error: Mapping[str, Any] | None = None

    @property
    def failure(self) -> Mapping[str, Any]:
        """The error; an AssertionError (naming the value) if the step succeeded."""
        assert self.error is not None, f"expected an error, the client returned {self.value!r}"
        return self.error


@dataclass(frozen=True)
class Driver:
    """A driver script (``driver_<client>.py``) run by its venv's Python."""

    python: Path
    script: Path
    home: Path

    def __call__(
        self, request: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]
    ) -> list[Outcome]:
        """Run ``steps`` in one process; every step's outcome, in order."""
        payload = json.dumps({**request, "steps": list(steps)})
        started = time.monotonic()
        finished = run(
            [str(self.python), str(self.script)],
            env=environment(self.home),
            cwd=self.home,
            stdin=payload,
        )
        assert finished.ok, f"{finished}\n(after {time.monotonic() - started:.1f} s)"
        outcomes = json.loads(finished.stdout)
        assert len(outcomes) == len(steps), str(finished)
        return [Outcome(**outcome) for outcome in outcomes]

    def one(self, request: Mapping[str, Any], step: Mapping[str, Any]) -> Outcome:
        """Run a single step."""
        return self(request, [step])[0]


@dataclass(frozen=True)
class Connected:
    """A driver with its connection settings (URL, token, account or domain) filled in."""

    driver: Driver
    request: Mapping[str, Any]

    def run(self, *steps: Mapping[str, Any]) -> list[Outcome]:
        """Run ``steps`` in one process of the client."""
        return self.driver(self.request, steps)

    def one(self, step: Mapping[str, Any]) -> Outcome:
        """Run one step."""
        return self.driver.one(self.request, step)

    def with_token(self, token: str) -> Connected:
        """The same client with another API token."""
        return Connected(self.driver, {**self.request, "token": token})
