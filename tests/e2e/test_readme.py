"""The README, followed to the letter by a new user on a fresh clone: every ``sh`` block runs
as written (its ``python`` blocks run in tests/packaging, each in the environment it names).

Its first command starts the server (run here in a fresh uv project environment, as a new clone
has, with the port and data directory of this test, and the loopback network allowed for
webhooks, as the webhook section says); the block's other command (``nox``) must name sessions
that exist. The ``### Try it`` block and the webhook block, run by bash with only the port
changed, sign up, store a build from its chat code, read it back and register a webhook.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import ServerFactory
from tests.support.databases import unavailable
from tests.support.live_server import REPO

README = REPO / "README.md"
_FENCE = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
_DEFAULT_ADDRESS = re.compile(r"\b(localhost|127\.0\.0\.1):8000\b")


def first_command(text: str) -> str:
    """The first command line of the README's first ``sh`` block (comments skipped)."""
    block = _FENCE.search(text)
    assert block is not None, "the README has no ```sh block"
    lines = [line for line in block.group(1).splitlines() if line and not line.startswith("#")]
    return lines[0]


def try_it_block(text: str) -> str:
    """The ``sh`` block of the ``### Try it`` section (before the next heading)."""
    _, found, after = text.partition("\n### Try it\n")
    assert found, "the README has no '### Try it' section"
    section = re.split(r"^#{1,6} ", after, maxsplit=1, flags=re.MULTILINE)[0]
    block = _FENCE.search(section)
    assert block is not None, "the 'Try it' section has no ```sh block"
    return block.group(1)


def webhook_block(text: str) -> str:
    """The ``sh`` block of the ``## Webhooks`` section."""
    _, found, after = text.partition("\n## Webhooks\n")
    assert found, "the README has no '## Webhooks' section"
    section = re.split(r"^#{1,6} ", after, maxsplit=1, flags=re.MULTILINE)[0]
    block = _FENCE.search(section)
    assert block is not None, "the webhook section has no ```sh block"
    return block.group(1)


def payloads(block: str) -> list[dict[str, Any]]:
    """The JSON bodies the block sends (``-d '...'``)."""
    return [json.loads(body) for body in re.findall(r"-d '([^']*)'", block)]


def json_objects(output: str) -> list[Any]:
    """Every JSON object printed in ``output`` (curl prints them with no newline between)."""
    decoder = json.JSONDecoder()
    found, at = [], output.find("{")
    while at != -1:
        try:
            value, end = decoder.raw_decode(output, at)
        except json.JSONDecodeError:
            at = output.find("{", at + 1)
            continue
        found.append(value)
        at = output.find("{", end)
    return found


def test_the_readme_block_is_parsed_as_written() -> None:
    sample = (
        "intro\n```sh\n# comment\npython3 -m pip install -q uv && uv run --locked gw2wvw serve\n"
        "```\n### Try it\ntext\n```sh\ncurl -d '{\"a\": 1}' localhost:8000/x\n```\n## Next\n"
        "```sh\nnot this\n```\n"
    )
    assert first_command(sample) == ("python3 -m pip install -q uv && uv run --locked gw2wvw serve")
    assert try_it_block(sample) == "curl -d '{\"a\": 1}' localhost:8000/x\n"
    assert payloads(try_it_block(sample)) == [{"a": 1}]
    assert json_objects('{"a": {"b": 1}}[&DQ]{"c": 2}') == [{"a": {"b": 1}}, {"c": 2}]


def test_a_new_user_follows_the_readme(live_server: ServerFactory, tmp_path: Path) -> None:
    for tool in ("uv", "curl", "bash"):
        if shutil.which(tool) is None:
            unavailable(tool, FileNotFoundError(f"{tool} is not on PATH"))
    text = README.read_text()

    # The first command: installing uv is the user's business (this test runs under uv).
    command = first_command(text)
    install, _, serve = command.partition(" && ")
    assert install == "python3 -m pip install -q uv", command
    assert shlex.split(serve)[:3] == ["uv", "run", "--locked"], command
    # Every sh block is one of the three run here.
    first = _FENCE.search(text)
    assert first is not None
    assert set(_FENCE.findall(text)) == {first.group(1), try_it_block(text), webhook_block(text)}
    others = [line for line in first.group(1).splitlines() if line and not line.startswith("#")]
    assert len(others) == 2, others
    install, _, checks = others[1].partition(" && ")
    assert (install, checks) == (
        "python3 -m pip install -q uv",
        "uv run --locked --compile-bytecode nox",
    )
    listed = subprocess.run(
        ["uv", "run", "--locked", "nox", "--list"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    for session in ("lint", "typecheck", "tests", "schemathesis", "wheels", "docs"):
        assert f"* {session}" in listed.stdout, listed.stdout

    server = live_server(
        {
            "GW2WVW_DATA_DIR": str(tmp_path / "data"),
            "GW2WVW_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            # A new clone has no environment yet: uv makes one from the lock file.
            "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        },
        command=[*shlex.split(serve), "--port", "{port}"],
        unset=("VIRTUAL_ENV",),
        name="readme-server",
    )
    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready == {"status": "ok", "database": "ok", "cache": "ok"}
    assert (tmp_path / "data" / "gw2wvw.db").is_file(), "not the embedded SQLite default"

    block = try_it_block(text)
    assert _DEFAULT_ADDRESS.search(block), "the block does not talk to the default address"
    hooks = webhook_block(text)
    script = _DEFAULT_ADDRESS.sub(f"127.0.0.1:{server.port}", block + hooks)
    run = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{server.output()}"
    assert run.stderr == ""

    (user,) = [p for p in payloads(block) if "password" in p]
    (posted,) = [p for p in payloads(block) if "chat_code" in p]
    printed = [o for o in json_objects(run.stdout) if o.get("name") == posted["name"]]
    assert printed, f"the build was not printed: {run.stdout}"
    build = printed[0]
    assert build["chat_code"] == posted["chat_code"]
    assert build["owner"]["name"] == user["name"]
    assert build["version"] == 1
    assert (build["profession"], build["elite_specialization"]) == ("Guardian", 62)
    if "/chat-code" in block:
        assert run.stdout.count(posted["chat_code"]) == 2, run.stdout
    (registered,) = [o for o in json_objects(run.stdout) if "secret" in o]
    (hook,) = [p for p in payloads(hooks) if "url" in p]
    assert registered["url"] == hook["url"]
    assert registered["secret"].startswith("whsec_")

    # What the user did is stored: their password gives a token that finds the build.
    basic = base64.b64encode(f"{user['name']}:{user['password']}".encode()).decode()
    issued = httpx.post(f"{server.url}/v1/tokens", headers={"Authorization": f"Basic {basic}"})
    assert issued.status_code == 201, issued.text
    mine = httpx.get(
        f"{server.url}/v1/builds",
        params={"owner": user["name"]},
        headers={"Authorization": f"Bearer {issued.json()['token']}"},
    )
    assert [(b["id"], b["name"]) for b in mine.json()["items"]] == [(build["id"], posted["name"])]
