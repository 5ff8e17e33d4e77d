"""The README's worked example ("Testing a DNSimple integration offline") runs as written: its
Python block, in the official client's venv, against the emulator, prints what the README says."""

from __future__ import annotations

import re
from pathlib import Path

from dns_api.emulator import RunningEmulator
from tests.thirdparty.harness import environment, run, venv_program

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Testing a DNSimple integration offline"
EXAMPLE_URL = "http://127.0.0.1:8001"


def _section() -> str:
    text = README.read_text()
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return text[start:end]


def _block(section: str, language: str, after: str = "") -> str:
    tail = section[section.index(after) :] if after else section
    found = re.search(rf"```{language}\n(.*?)```", tail, re.DOTALL)
    assert found, f"no ```{language} block in the README's {SECTION!r}"
    return found.group(1)


def test_the_worked_example_prints_what_the_readme_shows(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    section = _section()
    program = _block(section, "python")
    expected = _block(section, "text", after="\nprints\n")
    assert EXAMPLE_URL in program
    finished = run(
        [str(venv_program("dnsimple"))],
        stdin=program.replace(EXAMPLE_URL, emulator.url),
        env=environment(tmp_path),
        cwd=tmp_path,
    )
    assert finished.ok, str(finished)
    assert finished.stdout == expected
