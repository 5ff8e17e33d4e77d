"""Run the shell examples of a Markdown file, in order, and check that each did what it says.

The README's examples are part of the product: ``tests/docs/test_readme.py`` runs every runnable
block of README.md against a real ``dns-api serve`` in demo mode. The conventions a document
follows:

1. **What runs.** A fenced block (```` ``` ```` or ``~~~``, at any indentation) whose info string
   is exactly ``shell`` runs. Other fences (``console``, ``text``, ``json``, ``sh``, none...) never
   run. A ``shell`` block whose first line is the comment ``# not run: <reason>`` does not run
   either (production-only commands: a real DNSimple account, ``--host 0.0.0.0``, cron lines).

2. **One session.** The runnable blocks run in document order in ONE ``bash`` session with
   ``set -o pipefail`` (not ``set -e``), so what a block sets (``ETAG=...``, a function,
   ``export``, ``cd``) is seen by the next. A block is split into commands: one command is one
   line, with ``\\``-continued lines, lines inside an open quote or ``$(...)``, here-documents and
   multi-line compound commands (``if``/``for``/``{ ... }``) joined to it. Each command's exit
   status and HTTP statuses are checked on its own; a failure is reported with the block's and the
   command's line numbers, the command, what was expected, what happened and its output, and the
   session goes on with the next command. A command gets 30 s (``command_timeout``); then the
   processes it started are stopped (SIGTERM, then SIGKILL) and the session goes on; if the shell
   itself is stuck (a loop), or a command ends it (``exit``), the rest is reported as not run.
   Whatever the session left running is stopped at the end (its process group).

3. **Environment.** The session starts in a fresh working directory, the server's (so ``data/``
   and ``.env`` there are the server's), with only ``PATH`` (the virtualenv's ``bin`` first, so
   ``dns-api ...`` works) and ``API`` (the server's base URL, ``http://127.0.0.1:<port>``)
   exported. Commands read nothing from the terminal (stdin is ``/dev/null``). A document gets its
   token with a runnable line: ``TOKEN=$(dns-api token print admin)`` (demo mode keeps its
   ``SECRET_KEY`` in ``data/demo-secret-key`` of that directory, so the CLI and the server agree).

4. **Expectations** are a trailing comment on a command's (last) line:

   - ``# 403`` (any 3-digit status, then anything: ``# 403: not in its grant``): every HTTP
     request the command's ``curl`` made (directly, in a pipe, in ``$(...)`` or in a shell
     function) must have answered that status, and there must be at least one. Without it, each
     must answer 2xx or 304.
   - ``# exit N``: the command's exit status must be N (default 0). With a nonzero ``exit N`` the
     2xx rule is off (the failure is the point). Both: ``# 404, exit 22`` (``curl -f``).
   - Any other comment is prose and ignored, as are comments on lines of their own.

   ``curl`` is a shell function in the session that runs the real ``command curl -q`` with the
   user's arguments plus ``-w '%{stderr}<marker>%{http_code}'``, and the status goes to a side
   channel: curl's stderr is kept in a file while it runs, each marker and status is taken out
   of it and logged, and the rest is written to the caller's stderr when curl ends (so stderr
   comes after stdout). stdout is untouched, so ``curl -sI ... | sed ...``, ``-i``, ``-o``,
   ``| python3`` and ``| jq`` see exactly what they would. A ``-w`` of the user's own keeps
   working (the marker is appended to it; a ``-w @file`` format is left alone, and that curl's
   status is not seen).
   ``-q`` (ignore ``~/.curlrc``) comes first so a machine's curl configuration changes nothing,
   and ``--no-progress-meter`` (curl >= 7.67) keeps out the meter curl draws on stderr when its
   output is not a terminal (here it never is). Needs curl >= 7.63.

5. **No placeholders** in runnable lines. A command containing ``…`` (U+2026) anywhere outside a
   comment, or ``<word>`` (``<token>``, ``<id>``, ``<your token>``) outside a comment, is not run
   and fails its block, naming the placeholder. The one exemption is data: inside a quoted
   argument that is a JSON document, ``<word>`` within a longer JSON string (``"<b>bold</b>"``)
   is data; a string that is only ``"<token>"`` is still a placeholder. (An ellipsis is never
   data.) The other commands of that block still run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNABLE_INFO = "shell"
NOT_RUN = re.compile(r"^#\s*not run:\s*(?P<reason>.*)$")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
STATUS_COMMENT = re.compile(r"^(?P<status>\d{3})(?![\w.])(?:\s*[,;]?\s*exit\s+(?P<exit>\d+)\b)?")
EXIT_COMMENT = re.compile(r"^exit\s+(?P<exit>\d+)\b")
ELLIPSIS = "\u2026"
PLACEHOLDER = re.compile(r"<[A-Za-z][\w.:/-]*(?: [A-Za-z][\w.:/-]*)*>")
# Words after which a line may be an unfinished compound command: asked of ``bash -n``.
COMPOUND = re.compile(r"(?:^|[\s;&|(])(?:if|for|while|until|case|select|function|\{)(?=\s|$)")
HEREDOC = re.compile(r"<<(?P<dash>-?)[ \t]*(?P<quote>['\"]?)(?P<word>[\w.-]+)(?P=quote)")
MARKER = "@@readme-runner-http-code:"
DEFAULT_TIMEOUT = 30.0
MIN_CURL = (7, 63)
NO_PROGRESS_METER = (7, 67)


# --- Markdown ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced code block: ``line`` is the opening fence's line (1-based)."""

    line: int
    info: str
    lines: tuple[str, ...]

    @property
    def not_run_reason(self) -> str | None:
        """The reason of a leading ``# not run: <reason>`` comment, if any."""
        for text in self.lines:
            if text.strip():
                found = NOT_RUN.match(text.strip())
                return found.group("reason").strip() if found else None
        return None

    @property
    def runs(self) -> bool:
        return self.info == RUNNABLE_INFO and self.not_run_reason is None


def parse_blocks(markdown: str) -> list[Block]:
    """Every fenced code block of ``markdown``, in order (CommonMark fences: ``` or ~~~, three or
    more; the closing fence uses the same character, at least as many, and nothing else)."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        start, body = index, []
        index += 1
        while index < len(lines):
            stripped = lines[index].strip()
            if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                break
            body.append(_dedent(lines[index], indent))
            index += 1
        blocks.append(Block(start + 1, opening["info"].strip(), tuple(body)))
        index += 1
    return blocks


def _dedent(line: str, width: int) -> str:
    removed = 0
    while removed < width and line[removed : removed + 1] in (" ", "\t"):
        removed += 1
    return line[removed:]


# --- Commands ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """What a command must do: its exit status, and the status of its HTTP requests (None: each
    2xx or 304)."""

    exit_status: int = 0
    http_status: int | None = None

    @property
    def checks_http(self) -> bool:
        return self.http_status is not None or self.exit_status == 0

    def describe_http(self) -> str:
        return f"HTTP {self.http_status}" if self.http_status else "HTTP 2xx or 304"


def expectation(comment: str | None) -> Expectation:
    """The expectation a trailing comment states (``403``, ``403: why``, ``exit 2``,
    ``404, exit 22``); any other comment is prose: the defaults."""
    text = (comment or "").strip()
    if found := STATUS_COMMENT.match(text):
        exit_status = int(found["exit"]) if found["exit"] else 0
        return Expectation(exit_status=exit_status, http_status=int(found["status"]))
    if found := EXIT_COMMENT.match(text):
        return Expectation(exit_status=int(found["exit"]))
    return Expectation()


@dataclass(frozen=True)
class Command:
    """One command of a block: ``text`` as written (it runs verbatim), ``line`` its first line in
    the document."""

    line: int
    text: str
    comment: str | None
    placeholders: tuple[str, ...] = ()

    @property
    def expect(self) -> Expectation:
        return expectation(self.comment)

    @property
    def display(self) -> str:
        """The command on one line: ``\\``-continued lines joined."""
        return re.sub(r"\\\n\s*", "", self.text).strip()


@dataclass
class _Scan:
    """Where a shell lexer stands at the end of a line: open quotes and substitutions (a stack),
    a pending line continuation, here-documents still to read."""

    stack: list[str] = field(default_factory=list)
    continued: bool = False
    heredocs: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class _Segment:
    """A piece of a line: ``kind`` is "code", "single", "double" (quoted content) or "comment"."""

    kind: str
    text: str


def _scan_line(line: str, scan: _Scan) -> list[_Segment]:
    """Lex one physical line from ``scan``'s state (updated in place) into segments."""
    segments: list[_Segment] = []
    kind = _kind(scan.stack)
    current: list[str] = []

    def flush(new_kind: str) -> None:
        nonlocal kind, current
        if current:
            segments.append(_Segment(kind, "".join(current)))
        kind, current = new_kind, []

    scan.continued = False
    i = 0
    while i < len(line):
        char = line[i]
        top = scan.stack[-1] if scan.stack else ""
        if top == "'":
            if char == "'":
                scan.stack.pop()
                flush(_kind(scan.stack))
                current.append(char)
            else:
                current.append(char)
            i += 1
            continue
        if top == "$'":
            if char == "\\" and i + 1 < len(line):
                current.append(line[i : i + 2])
                i += 2
                continue
            if char == "'":
                scan.stack.pop()
                flush(_kind(scan.stack))
            current.append(char)
            i += 1
            continue
        if char == "\\":
            if i + 1 == len(line):
                scan.continued = True
                current.append(char)
                break
            current.append(line[i : i + 2])
            i += 2
            continue
        if top == '"':
            if char == '"':
                scan.stack.pop()
                flush(_kind(scan.stack))
                current.append(char)
            elif line.startswith("$(", i):
                scan.stack.append("$(")
                flush("code")
                current.append("$(")
                i += 2
                continue
            elif line.startswith("${", i):
                scan.stack.append("${")
                current.append("${")
                i += 2
                continue
            elif char == "`":
                scan.stack.append("`")
                flush("code")
                current.append(char)
            else:
                current.append(char)
            i += 1
            continue
        # Unquoted (top level, or inside $( ), ( ), ${ }, ` `).
        if char == "#" and _word_start(line, i):
            flush("comment")
            current.append(line[i + 1 :])
            i = len(line)
            break
        if char in "'\"":
            scan.stack.append("$'" if char == "'" and i > 0 and line[i - 1] == "$" else char)
            current.append(char)
            flush("single" if char == "'" else "double")
        elif line.startswith("<<<", i):  # a here-string, not a here-document
            current.append("<<<")
            i += 3
            continue
        elif heredoc := HEREDOC.match(line, i):
            scan.heredocs.append((heredoc["word"], heredoc["dash"] == "-"))
            current.append(heredoc.group(0))
            i = heredoc.end()
            continue
        elif line.startswith("$(", i) or line.startswith("${", i):
            scan.stack.append(line[i : i + 2])
            current.append(line[i : i + 2])
            i += 2
            continue
        elif char == "(":
            scan.stack.append("(")
            current.append(char)
        elif (char == ")" and top in ("$(", "(")) or (char == "}" and top == "${"):
            scan.stack.pop()
            current.append(char)
            flush(_kind(scan.stack))
        elif char == "`":
            if top == "`":
                scan.stack.pop()
                current.append(char)
                flush(_kind(scan.stack))
            else:
                scan.stack.append("`")
                current.append(char)
        else:
            current.append(char)
        i += 1
    flush(kind)
    return segments


def _kind(stack: Sequence[str]) -> str:
    for item in reversed(stack):
        if item in ("'", "$'"):
            return "single"
        if item == '"':
            return "double"
        if item in ("$(", "(", "`"):
            return "code"
    return "code"


def _word_start(line: str, index: int) -> bool:
    return index == 0 or line[index - 1] in " \t;&|()<>"


def _complete_by_bash(text: str) -> bool:
    """Whether ``bash -n`` parses ``text`` to the end (a syntax error other than an unexpected
    end of file counts as complete: running it reports the error)."""
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-n"],
        input=text + "\n",
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    return "unexpected end of file" not in result.stderr


def split_commands(block: Block) -> list[Command]:
    """The commands of a block, each with its trailing comment and placeholders. Blank lines and
    comment-only lines between commands are skipped."""
    commands: list[Command] = []
    scan = _Scan()
    lines: list[list[_Segment]] = []  # the segments of each physical line of the command
    source: list[str] = []
    start = 0
    for number, line in enumerate(block.lines, start=block.line + 1):
        if scan.heredocs:
            lines.append([_Segment("heredoc", line)])
            source.append(line)
            word, strip_tabs = scan.heredocs[0]
            if (line.lstrip("\t") if strip_tabs else line) == word:
                scan.heredocs.pop(0)
        else:
            if not lines:
                if not line.strip() or line.strip().startswith("#"):
                    continue
                start = number
            lines.append(_scan_line(line, scan))
            source.append(line)
        if scan.stack or scan.continued or scan.heredocs or not _complete(lines):
            continue
        commands.append(_command(start, source, lines))
        lines, source, scan = [], [], _Scan()
    if lines:
        commands.append(_command(start, source, lines))
    return commands


def _complete(lines: list[list[_Segment]]) -> bool:
    """Whether a command with no open quote, continuation or here-document is complete: only a
    compound command (``if``, ``for``, ``{``...) may not be; ``bash -n`` says."""
    code = " ".join(s.text for line in lines for s in line if s.kind == "code")
    if not COMPOUND.search(code):
        return True
    return _complete_by_bash("\n".join("".join(s.text for s in line) for line in lines))


def _command(start: int, source: Sequence[str], lines: list[list[_Segment]]) -> Command:
    written = [line for line in lines if not (line and line[0].kind == "heredoc")]
    last = written[-1] if written else []
    comment = last[-1].text.strip() if last and last[-1].kind == "comment" else None
    segments = [segment for line in lines for segment in line]
    return Command(start, "\n".join(source), comment, tuple(_placeholders(segments)))


def _placeholders(segments: list[_Segment]) -> Iterator[str]:
    """``…`` anywhere but in comments; ``<word>`` outside comments and JSON data."""
    for kind, text in _merge_quoted(segments):
        if kind == "comment":
            continue
        if kind in ("single", "double") and _is_json(text):
            yield from _placeholders_in_json(json.loads(text))
            continue
        if ELLIPSIS in text:
            yield from _ellipsis_words(text)
        if kind != "heredoc":
            yield from PLACEHOLDER.findall(text)


def _merge_quoted(segments: list[_Segment]) -> list[tuple[str, str]]:
    """Adjacent segments of one quoted string (cut by line breaks) as one."""
    merged: list[tuple[str, str]] = []
    for segment in segments:
        if merged and merged[-1][0] == segment.kind and segment.kind in ("single", "double"):
            merged[-1] = (segment.kind, merged[-1][1] + "\n" + segment.text)
        else:
            merged.append((segment.kind, segment.text))
    return merged


def _ellipsis_words(text: str) -> Iterator[str]:
    for word in re.findall(r"\S*" + ELLIPSIS + r"\S*", text):
        yield word if len(word) <= 40 else ELLIPSIS


def _is_json(text: str) -> bool:
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _placeholders_in_json(value: Any) -> Iterator[str]:
    """JSON strings that elide (``…``) or are only a ``<word>``: ``"<b>x</b>"`` is data."""
    if isinstance(value, str):
        if ELLIPSIS in value or PLACEHOLDER.fullmatch(value.strip()):
            yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders_in_json(key)
            yield from _placeholders_in_json(item)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders_in_json(item)


# --- Running -----------------------------------------------------------------------------------

# The session's ``curl``: the real one, with the HTTP status of each transfer written to stderr
# after a marker; stderr is held in a file while curl runs, the markers are taken out (statuses
# logged to $__readme_statuses) and the rest goes to the caller's stderr. A ``-w`` of the user's
# gets the marker appended, so theirs still prints what it printed.
CURL_FUNCTION = r"""
curl() {
  local -a __rr_args=("$@")
  local __rr_mark='@@MARKER@@' __rr_i __rr_arg __rr_rest __rr_char __rr_rc __rr_err __rr_text
  local __rr_format="%{stderr}${__rr_mark}%{http_code}"
  for ((__rr_i = 0; __rr_i < ${#__rr_args[@]}; __rr_i++)); do
    __rr_arg=${__rr_args[__rr_i]}
    case $__rr_arg in
      --) break ;;
      --write-out)
        ((__rr_i++))
        [[ ${__rr_args[__rr_i]} == @* ]] || __rr_args[__rr_i]+=$__rr_format ;;
      --data|--data-*|--header|--request|--url|--output|--json|--user|--form|--form-string|\
--user-agent|--referer|--cookie|--config|--upload-file|--dump-header|--proxy|--stderr)
        ((__rr_i++)) ;;
      --*) ;;
      -?*)  # short options, maybe clustered (-sSw FORMAT, -sw%{http_code})
        __rr_rest=${__rr_arg:1}
        while [[ -n $__rr_rest ]]; do
          __rr_char=${__rr_rest:0:1}
          __rr_rest=${__rr_rest:1}
          if [[ $__rr_char == w ]]; then
            if [[ -n $__rr_rest ]]; then
              [[ $__rr_rest == @* ]] || __rr_args[__rr_i]+=$__rr_format
            else
              ((__rr_i++))
              [[ ${__rr_args[__rr_i]} == @* ]] || __rr_args[__rr_i]+=$__rr_format
            fi
            break
          elif [[ AbcCdDeEFHKmoPQrtTuUxXyYz == *"$__rr_char"* ]]; then  # takes a value
            [[ -z $__rr_rest ]] && ((__rr_i++))
            break
          fi
        done ;;
    esac
  done
  __rr_err="$__readme_dir/curl-stderr.$BASHPID.$RANDOM"
  command curl -q @@QUIET@@-w "$__rr_format" "${__rr_args[@]}" 2>"$__rr_err"
  __rr_rc=$?
  IFS= read -r -d '' __rr_text <"$__rr_err"
  rm -f -- "$__rr_err"
  while [[ $__rr_text == *"$__rr_mark"* ]]; do
    printf '%s' "${__rr_text%%"$__rr_mark"*}" >&2
    __rr_text=${__rr_text#*"$__rr_mark"}
    printf '%s\n' "${__rr_text:0:3}" >>"${__readme_statuses:-/dev/null}"
    __rr_text=${__rr_text:3}
  done
  printf '%s' "$__rr_text" >&2
  return "$__rr_rc"
}
""".replace("@@MARKER@@", MARKER)


@dataclass
class CommandResult:
    block: Block
    command: Command
    ran: bool = False
    exit_status: int | None = None
    statuses: list[str] = field(default_factory=list)
    output: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class BlockResult:
    block: Block
    commands: list[CommandResult]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.commands)


def runnable_blocks(markdown: str) -> list[Block]:
    return [block for block in parse_blocks(markdown) if block.runs]


def check(result: CommandResult) -> list[str]:
    """What went wrong with a command that ran (empty: it did what the document says)."""
    expect = result.command.expect
    problems = []
    if result.exit_status != expect.exit_status:
        problems.append(f"expected exit {expect.exit_status}, got exit {result.exit_status}")
    if expect.checks_http:
        if expect.http_status is not None and not result.statuses:
            problems.append(f"expected HTTP {expect.http_status}, but curl made no request")
        wrong = [s for s in result.statuses if not _status_ok(s, expect.http_status)]
        if wrong:
            problems.append(f"expected {expect.describe_http()}, got HTTP {', '.join(wrong)}")
    return problems


def _status_ok(status: str, expected: int | None) -> bool:
    if expected is not None:
        return status == f"{expected:03d}"
    return status.startswith("2") or status == "304"


def curl_version() -> tuple[int, int]:
    out = subprocess.run(["curl", "--version"], capture_output=True, text=True, check=True).stdout
    found = re.match(r"curl (\d+)\.(\d+)", out)
    if not found:
        raise RuntimeError(f"cannot read curl's version from {out[:80]!r}")
    return int(found[1]), int(found[2])


def session_environment(api: str, bin_dir: Path) -> dict[str, str]:
    """Exactly what the session exports: PATH (``bin_dir`` first) and API."""
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", "API": api}


def run_blocks(
    blocks: Iterable[Block],
    *,
    workdir: Path,
    env: Mapping[str, str],
    command_timeout: float = DEFAULT_TIMEOUT,
) -> list[BlockResult]:
    """Run the blocks' commands in one bash session in ``workdir`` with exactly ``env``."""
    version = curl_version()
    if version < MIN_CURL:
        raise RuntimeError("the README runner needs curl >= 7.63 (-w %{stderr})")
    curl = CURL_FUNCTION.replace(
        "@@QUIET@@", "--no-progress-meter " if version >= NO_PROGRESS_METER else ""
    )
    results = [
        BlockResult(block, [CommandResult(block, c) for c in split_commands(block)])
        for block in blocks
    ]
    for result in (c for b in results for c in b.commands if c.command.placeholders):
        names = ", ".join(dict.fromkeys(result.command.placeholders))
        result.problems.append(f"placeholder in a runnable line ({names}): not run")
    to_run = [c for b in results for c in b.commands if not c.command.placeholders]
    with tempfile.TemporaryDirectory(prefix="readme-runner-") as scratch:
        _Session(Path(scratch), workdir, env, command_timeout, curl).run(to_run)
    return results


class _Session:
    """One ``bash`` process running a generated script: each command is ``source``d from its own
    file (so a syntax error stays in its command), its output and exit status go to files the
    runner watches."""

    def __init__(
        self, scratch: Path, workdir: Path, env: Mapping[str, str], timeout: float, curl: str
    ) -> None:
        self.scratch, self.workdir, self.env, self.timeout = scratch, workdir, dict(env), timeout
        self.curl = curl

    def _path(self, kind: str, index: int) -> Path:
        return self.scratch / f"{kind}-{index}"

    def _script(self, commands: Sequence[CommandResult]) -> Path:
        quote = shlex.quote
        lines = [
            "set -o pipefail",
            f"__readme_dir={quote(str(self.scratch))}",
            self.curl,
            f"cd {quote(str(self.workdir))} || exit 99",
        ]
        for index, result in enumerate(commands):
            command_file = self.scratch / f"line-{result.command.line}"
            command_file.write_text(result.command.text + "\n")
            lines += [
                f"__readme_statuses={quote(str(self._path('statuses', index)))}",
                ': >"$__readme_statuses"',
                f"source {quote(str(command_file))} >{quote(str(self._path('output', index)))}"
                " 2>&1 </dev/null",
                f"printf '%s\\n' \"$?\" >{quote(str(self._path('exit', index)))}",
            ]
        script = self.scratch / "session.sh"
        script.write_text("\n".join(lines) + "\n")
        return script

    def _exit_status(self, index: int) -> int | None:
        try:
            text = self._path("exit", index).read_text()
        except FileNotFoundError:
            return None
        return int(text) if text.endswith("\n") else None

    def run(self, commands: Sequence[CommandResult]) -> None:
        script = self._script(commands)
        with (self.scratch / "session.log").open("wb") as log:
            process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", str(script)],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            for index, result in enumerate(commands):
                if not self._wait(process, index, result):
                    for rest in commands[index + 1 :]:
                        rest.problems.append("not run: the session ended before it")
                    break
        finally:
            _stop_group(process)

    def _wait(self, process: subprocess.Popen[bytes], index: int, result: CommandResult) -> bool:
        """Wait for command ``index`` and record its result; False when the session is over."""
        deadline = time.monotonic() + self.timeout
        timed_out = False
        signals = [signal.SIGTERM, signal.SIGKILL]  # to its processes, min(5 s, timeout) apart
        status = self._exit_status(index)
        while status is None:
            if process.poll() is not None:
                status = self._exit_status(index)
                if status is None:
                    self._record(index, result, None)
                    result.problems.append(
                        f"the shell session ended here (exit {process.returncode})"
                        if self._path("output", index).exists()
                        else f"not run: the session ended before it (exit {process.returncode})"
                    )
                    return False
                break
            if time.monotonic() > deadline:
                if not signals:  # the shell itself is stuck (a loop): give up on it
                    self._record(index, result, None)
                    result.problems.append(f"timed out after {self.timeout:g} s; session stopped")
                    return False
                timed_out = True
                _stop_children(process.pid, signals.pop(0))
                deadline = time.monotonic() + min(5.0, self.timeout)
            time.sleep(0.01)
            status = self._exit_status(index)
        self._record(index, result, status)
        if timed_out:
            result.problems.insert(0, f"timed out after {self.timeout:g} s (its processes stopped)")
        return True

    def _record(self, index: int, result: CommandResult, status: int | None) -> None:
        result.ran = True
        result.exit_status = status
        # bash names the command's file in its errors: "line-12: line 1: ...", not a temp path
        result.output = _read(self._path("output", index)).replace(f"{self.scratch}/", "")
        result.statuses = _read(self._path("statuses", index)).split()
        if status is not None:
            result.problems.extend(check(result))


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _group_members(group: int) -> list[int]:
    """The processes of a process group, from /proc (Linux)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _stop_children(session_pid: int, sig: signal.Signals) -> None:
    """Stop what a timed-out command started (every process of the session's group but the shell
    itself), so the session can go on."""
    for pid in _group_members(session_pid):
        if pid != session_pid:
            _signal(pid, sig)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the session and anything it left running in the background (its process group)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    deadline = time.monotonic() + 5
    while _group_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def _signal(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


# --- Reporting ---------------------------------------------------------------------------------

OUTPUT_LINES = 25


def report(results: Sequence[BlockResult], document: str = "README.md") -> str:
    """Every failing block, and in it every failing command: where, what, expected vs actual,
    output (its last lines)."""
    parts = []
    for block in results:
        if block.passed:
            continue
        failing = [c for c in block.commands if not c.passed]
        parts.append(
            f"{document}:{block.block.line}: ```{block.block.info} block: "
            f"{len(failing)} of {len(block.commands)} command(s) failed"
        )
        for result in failing:
            parts.append(f"  {document}:{result.command.line}: $ {result.command.display}")
            parts.extend(f"    {problem}" for problem in result.problems)
            if result.statuses:
                parts.append(f"    HTTP statuses: {', '.join(result.statuses)}")
            output = result.output.rstrip("\n").splitlines()
            if output:
                shown = output[-OUTPUT_LINES:]
                skipped = len(output) - len(shown)
                parts.append("    output" + (f" (last {len(shown)} lines):" if skipped else ":"))
                parts.extend(f"      | {line}" for line in shown)
    return "\n".join(parts)


def summary(results: Sequence[BlockResult]) -> str:
    commands = [c for b in results for c in b.commands]
    return (
        f"{sum(b.passed for b in results)} of {len(results)} runnable blocks passed, "
        f"{sum(c.passed for c in commands)} of {len(commands)} commands"
    )
