"""README.md's examples run as written, against a real ``dns-api serve`` in demo mode.

The conventions the README follows are in ``tests/docs/readme_runner.py``. The unit tests below
check the runner itself: the Markdown parser and the expectations (no server), and the session
with its ``curl`` wrapper against a tiny local HTTP server.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.docs.readme_runner import (
    BlockResult,
    CommandResult,
    Expectation,
    expectation,
    parse_blocks,
    report,
    run_blocks,
    runnable_blocks,
    session_environment,
    split_commands,
    summary,
)
from tests.live import free_port, stop, wait_for

BIN = Path(sysconfig.get_path("scripts"))
FENCE = "```"


def md(text: str) -> str:
    return textwrap.dedent(text).replace("''''", FENCE + "`").replace("'''", FENCE)


# --- Markdown and expectations (no server) -----------------------------------------------------


def test_only_shell_fences_run() -> None:
    blocks = parse_blocks(
        md(
            """\
            # Title
            '''shell
            echo one
            '''
            '''sh
            echo sh
            '''
            '''console
            $ echo console
            '''
            '''
            echo plain
            '''
            '''json
            {"a": 1}
            '''
            '''shell title="x"
            echo titled
            '''
            ~~~shell
            echo tilde
            ~~~
            - a list item:

              '''shell
              echo indented
              '''
            '''shell
            # not run: needs a real DNSimple account
            dns-api serve --host 0.0.0.0
            '''
            ''''markdown
            '''shell
            echo inside a longer fence
            '''
            ''''
            """
        )
    )
    assert [(b.line, b.info, b.runs) for b in blocks] == [
        (2, "shell", True),
        (5, "sh", False),
        (8, "console", False),
        (11, "", False),
        (14, "json", False),
        (17, 'shell title="x"', False),
        (20, "shell", True),
        (25, "shell", True),
        (28, "shell", False),
        (32, "markdown", False),
    ]
    assert blocks[7].lines == ("echo indented",)
    assert blocks[8].not_run_reason == "needs a real DNSimple account"
    assert [b.line for b in runnable_blocks(md("'''shell\nx\n'''\n'''text\ny\n'''"))] == [1]


def test_an_unclosed_fence_runs_to_the_end() -> None:
    [block] = parse_blocks("text\n```shell\necho a\necho b\n")
    assert block.lines == ("echo a", "echo b")


def commands(body: str, *, line: int = 1) -> list[tuple[int, str, str | None]]:
    [block] = parse_blocks(md(f"'''shell\n{textwrap.dedent(body)}'''\n"))
    return [(c.line, c.display, c.comment) for c in split_commands(block)]


def test_commands_are_lines_with_their_continuations() -> None:
    assert commands(
        """\
        # a comment line is prose

        curl -X POST \\
          -d '{"a": 1}' \\
          $API/x   # 403: forbidden
        curl -d '{"changes": [
            {"action": "delete"}
          ]}' $API/changes
        put() {
          curl -X PUT "$API/$1"
        }
        for n in 1 2; do
          echo "$n"
        done  # exit 0
        cat <<'EOF' | wc -l   # exit 0
        line one # not a comment
        EOF
        X=$(echo a
        echo b)
        read -r Y <<< "here-string"; echo "$((1 + 2))" $'a\\'b'
        echo done
        """
    ) == [
        (4, "curl -X POST -d '{\"a\": 1}' $API/x   # 403: forbidden", "403: forbidden"),
        (
            7,
            'curl -d \'{"changes": [\n    {"action": "delete"}\n  ]}\' $API/changes',
            None,
        ),
        (10, 'put() {\n  curl -X PUT "$API/$1"\n}', None),
        (13, 'for n in 1 2; do\n  echo "$n"\ndone  # exit 0', "exit 0"),
        (16, "cat <<'EOF' | wc -l   # exit 0\nline one # not a comment\nEOF", "exit 0"),
        (19, "X=$(echo a\necho b)", None),
        (21, 'read -r Y <<< "here-string"; echo "$((1 + 2))" $\'a\\\'b\'', None),
        (22, "echo done", None),
    ]


def test_a_hash_is_a_comment_only_at_the_start_of_a_word_outside_quotes() -> None:
    assert commands(
        """\
        curl "$API/x#y" '# no' a#b ${#X} $# # 404
        echo "a # b" \\# c
        """
    ) == [
        (2, "curl \"$API/x#y\" '# no' a#b ${#X} $# # 404", "404"),
        (3, 'echo "a # b" \\# c', None),
    ]


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("403", Expectation(http_status=403)),
        ("403: not in its grant", Expectation(http_status=403)),
        ('201 {"data": ...}', Expectation(http_status=201)),
        ("exit 2", Expectation(exit_status=2)),
        ("exit 3: needs --force", Expectation(exit_status=3)),
        ("404, exit 22", Expectation(exit_status=22, http_status=404)),
        ("the printed token", Expectation()),
        ("2001:db8::1", Expectation()),
        ("10 mail.example.com", Expectation()),
        ('{"meta":{"status":200}}', Expectation()),
        ("exited", Expectation()),
        (None, Expectation()),
    ],
)
def test_trailing_comments_state_expectations(comment: str | None, expected: Expectation) -> None:
    assert expectation(comment) == expected


def placeholders(line: str) -> tuple[str, ...]:
    [block] = parse_blocks(f"```shell\n{line}\n```\n")
    [command] = split_commands(block)
    return command.placeholders


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('curl -H "Authorization: Bearer <token>" $API/whoami', ("<token>",)),
        ("curl $API/records/<id>", ("<id>",)),
        ("curl -H 'Authorization: Bearer <your token>' $API", ("<your token>",)),
        ("TOKEN=eyJhbGciOiJIUzUxMiJ9.eyJ1c2VybmFtZSI6ImFkbWluIn0.…   # the token", ("…",)),
        ("dns-api records delete x CNAME --if-match '\"9b1c…\"'", ('"9b1c…"',)),
        ('curl -d \'{"if_match": "\\"9b1c…\\""}\' $API', ('"\\"9b1c…\\""',)),
        ('curl -d \'{"to": "<target>"}\' $API', ('"<target>"',)),
        # data, not placeholders
        ('curl -d \'{"records": ["<b>bold</b> <i>x</i>"]}\' $API', ()),
        ('curl -d \'{"records": ["gfj9Xq...Rg85nM"]}\' $API', ()),
        ("sort <in.txt >out.txt", ()),
        ("cat <<EOF", ()),
        ("curl $API  # <token> in a comment is prose…", ()),
    ],
)
def test_placeholders_are_found(line: str, found: tuple[str, ...]) -> None:
    assert placeholders(line) == found


# --- The session and its curl (a local HTTP server) --------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """``/status/<code>``: that status, ``X-Test: hello``, and a JSON echo of the request."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        code = int(self.path.split("?")[0].rsplit("/", 1)[-1]) if "/status/" in self.path else 200
        reply = json.dumps({"method": self.command, "path": self.path, "body": body}).encode()
        self.send_response(code)
        self.send_header("X-Test", "hello")
        self.send_header("Content-Type", "application/json")
        if code == 304:
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(markdown: str, api: str, workdir: Path, timeout: float = 30) -> list[CommandResult]:
    results = run_blocks(
        runnable_blocks(md(markdown)),
        workdir=workdir,
        env=session_environment(api, BIN),
        command_timeout=timeout,
    )
    return [c for block in results for c in block.commands]


def test_blocks_share_one_session_in_the_working_directory(api: str, tmp_path: Path) -> None:
    first, second, third, fourth = run(
        """\
        '''shell
        X=from-block-one; greet() { echo "hi $1"; }
        '''
        '''shell
        echo "$X"; greet there; pwd
        '''
        '''shell
        env | cut -d= -f1 | sort | tr '\\n' ' '
        '''
        '''shell
        command -v dns-api; echo "$API"
        '''
        """,
        api,
        tmp_path,
    )
    assert first.passed
    assert second.output == f"from-block-one\nhi there\n{tmp_path}\n"
    exported = set(third.output.split())
    assert {"API", "PATH"} <= exported <= {"API", "PATH", "PWD", "SHLVL", "_", "OLDPWD"}
    assert fourth.output == f"{BIN / 'dns-api'}\n{api}\n"


def test_exit_statuses_are_checked_command_by_command(api: str, tmp_path: Path) -> None:
    results = run(
        """\
        '''shell
        false            # exit 1
        false
        true             # exit 3
        echo still here
        ls /nonexistent | cat
        echo (
        '''
        """,
        api,
        tmp_path,
    )
    assert [(r.exit_status, r.problems) for r in results] == [
        (1, []),
        (1, ["expected exit 0, got exit 1"]),
        (0, ["expected exit 3, got exit 0"]),
        (0, []),
        (2, ["expected exit 0, got exit 2"]),  # pipefail
        (2, ["expected exit 0, got exit 2"]),  # a syntax error stays in its command
    ]
    assert "still here" in results[3].output
    assert results[5].output.startswith("line-7: line 1: syntax error")


def test_a_command_that_ends_the_shell_leaves_the_rest_not_run(api: str, tmp_path: Path) -> None:
    ended, after = run("'''shell\nexit 4\necho after\n'''\n", api, tmp_path)
    assert ended.problems == ["the shell session ended here (exit 4)"]
    assert not after.ran
    assert after.problems == ["not run: the session ended before it"]


def test_a_command_that_hangs_is_stopped_and_the_session_goes_on(api: str, tmp_path: Path) -> None:
    setting, hanging, after = run(
        "'''shell\nX=kept\nsleep 60\necho \"$X\"\n'''\n", api, tmp_path, timeout=1
    )
    assert setting.passed
    assert hanging.problems[0] == "timed out after 1 s (its processes stopped)"
    assert after.passed
    assert after.output == "kept\n"


def test_a_shell_that_hangs_itself_ends_the_session(api: str, tmp_path: Path) -> None:
    hanging, after = run("'''shell\nwhile :; do :; done\necho after\n'''\n", api, tmp_path, 0.2)
    assert hanging.problems == ["timed out after 0.2 s; session stopped"]
    assert after.problems == ["not run: the session ended before it"]


def test_placeholder_lines_fail_their_block_and_do_not_run(api: str, tmp_path: Path) -> None:
    before, placeholder, after = run(
        """\
        '''shell
        touch ran-before
        curl -H "Authorization: Bearer <token>" $API/status/200
        touch ran-after
        '''
        """,
        api,
        tmp_path,
    )
    assert before.passed
    assert after.passed
    assert not placeholder.ran
    assert placeholder.problems == ["placeholder in a runnable line (<token>): not run"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ran-after", "ran-before"]


def test_curl_leaves_what_it_prints_alone(api: str, tmp_path: Path) -> None:
    body = json.dumps({"method": "GET", "path": "/status/200", "body": ""})
    results = run(
        """\
        '''shell
        curl $API/status/200
        curl -sI $API/status/200 | sed -n 's/^x-test: //Ip' | tr -d '\\r'
        curl -i -s $API/status/201 | head -1 | tr -d '\\r'
        curl -s -X POST -H "Content-Type: application/json" -d '{"a": 1}' $API/status/200 \\
          | python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["method"], r["body"])'
        field() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
        printf 'raw\\nbody' > body.txt
        curl -s --data-binary @body.txt $API/status/200 | field body
        curl -sg "$API/status/200?page[size]=10" | field path
        curl -s -o /dev/null -w '%{http_code} %{content_type}\\n' $API/status/404  # 404
        curl -so /dev/null -w'[%{http_code}]' $API/status/200
        curl -sS -X PATCH $API/status/204 2>&1
        '''
        """,
        api,
        tmp_path,
    )
    assert [r.problems for r in results] == [[]] * len(results)
    outputs = [r.output for r in results]
    assert outputs == [
        body,
        "hello\n",
        "HTTP/1.0 201 Created\n",
        'POST {"a": 1}\n',
        "",
        "",
        "raw\nbody\n",
        "/status/200?page[size]=10\n",
        "404 application/json\n",
        "[200]",
        "",
    ]
    assert [r.statuses for r in results] == [
        ["200"], ["200"], ["201"], ["200"], [], [], ["200"], ["200"], ["404"], ["200"], ["204"],
    ]  # fmt: skip


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_curl_into_jq(api: str, tmp_path: Path) -> None:
    [result] = run("'''shell\ncurl -s $API/status/200 | jq -r .method\n'''\n", api, tmp_path)
    assert (result.problems, result.output) == ([], "GET\n")


def test_curl_statuses_are_checked(api: str, tmp_path: Path) -> None:
    port = free_port()
    results = run(
        f"""\
        '''shell
        curl -s $API/status/403  # 403: not in its grant
        curl -s $API/status/403
        curl -s $API/status/200  # 404
        curl -s $API/status/304
        get() {{ curl -s "$API/status/$1"; }}
        get 409  # 409
        X=$(get 500)
        curl -s $API/status/200 $API/status/201
        echo no request  # 403
        curl -sS http://127.0.0.1:{port}/  # exit 7
        curl -sSf $API/status/404  # 404, exit 22
        '''
        """,
        api,
        tmp_path,
    )
    assert [(r.statuses, r.problems) for r in results] == [
        (["403"], []),
        (["403"], ["expected HTTP 2xx or 304, got HTTP 403"]),
        (["200"], ["expected HTTP 404, got HTTP 200"]),
        (["304"], []),
        ([], []),
        (["409"], []),
        (["500"], ["expected HTTP 2xx or 304, got HTTP 500"]),
        (["200", "201"], []),
        ([], ["expected HTTP 403, but curl made no request"]),
        (["000"], []),
        (["404"], []),
    ]
    assert "Failed to connect" in results[9].output  # curl's own stderr still shows
    assert "404" in results[10].output


def test_the_report_names_block_command_expectation_and_output(api: str, tmp_path: Path) -> None:
    markdown = md(
        """\
        Some text.

        '''shell
        echo fine
        curl -s $API/status/403
        '''
        """
    )
    results = run_blocks(
        runnable_blocks(markdown), workdir=tmp_path, env=session_environment(api, BIN)
    )
    text = report(results)
    assert text.splitlines()[:4] == [
        "README.md:3: ```shell block: 1 of 2 command(s) failed",
        "  README.md:5: $ curl -s $API/status/403",
        "    expected HTTP 2xx or 304, got HTTP 403",
        "    HTTP statuses: 403",
    ]
    assert '"method": "GET"' in text
    assert summary(results) == "0 of 1 runnable blocks passed, 1 of 2 commands"


# --- README.md against a real demo server ------------------------------------------------------


@contextmanager
def demo_server(workdir: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """``dns-api serve`` in demo mode (no configuration) in ``workdir``; yields its base URL.
    Stopped by its process group at the end: the emulator is a thread of that process."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"dns-api serve exited with {process.returncode}:\n{tail(log)}")
        try:
            return httpx.get(url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, "the demo server to start", seconds=60)
        yield url
    finally:
        stop(process)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.slow
def test_the_readme_runs_as_written(
    clean_config: dict[str, str], tmp_path: Path, repo_root: Path
) -> None:
    blocks = runnable_blocks((repo_root / "README.md").read_text())
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {k: v for k, v in clean_config.items() if k != "WEB_CONCURRENCY"}
    log = tmp_path / "server.log"
    with demo_server(workdir, env, log) as api:
        results: list[BlockResult] = run_blocks(
            blocks, workdir=workdir, env=session_environment(api, BIN)
        )
    failures = report(results)
    assert not failures, (
        f"{summary(results)}\n\n{failures}\n\ndns-api serve's last lines:\n{tail(log)}"
    )
