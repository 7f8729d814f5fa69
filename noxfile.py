"""Every check a developer or CI runs: ``nox`` runs them all, ``nox -s NAME`` one of them."""

from __future__ import annotations

import glob
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import nox
from nox.command import CommandFailed

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "tests", "schemathesis", "wheels", "docs"]

ROOT = Path(__file__).parent
PACKAGES = ["gw2wvw", "gw2wvw_api/gw2wvw_api", "gw2wvw_worker/gw2wvw_worker"]


def sync(session: nox.Session, group: str = "dev") -> None:
    """Install the locked workspace (all three packages and a dependency group) into the session,
    compiled to bytecode: where ``PYTHONDONTWRITEBYTECODE`` is set (CI), every process the tests
    start would otherwise compile its imports from source again."""
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--compile-bytecode",
        "--all-packages",
        "--group",
        group,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check, and the import-layering contracts."""
    sync(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the three packages and the benchmarks."""
    sync(session)
    session.run("mypy", "--strict", *PACKAGES, "benchmarks")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite with branch coverage; fails under 90 %."""
    sync(session)
    session.run(
        "pytest",
        # The packaging tests run in fresh environments, not this one: the wheels session.
        "--ignore=tests/packaging",
        "--cov",
        "--cov-branch",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
    )


FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"


SEEDED = ("build_id", "composition_id", "webhook_id", "delivery_id", "fight_id", "event_id")
"""The path parameters the fuzzer gets real values for."""

FIGHT_LOG = ROOT / "tests" / "fixtures" / "fightlogs" / "ebg-2025-11-04.ei.json"
PERMALINK = "https://dps.report/AbCd-20251104-213811_wvw"
"""The permalink the dps.report stand-in serves :data:`FIGHT_LOG` for."""


def _seed(session: nox.Session, url: str, user: str, password: str) -> dict[str, str]:
    """A user with the stand-in's GW2 API key and a build, composition, webhook, delivery,
    ready fight and event with their sign-up, twice: one set for every operation, one for the
    deletes (which would otherwise remove the first set early).

    Returns the token and the ids (``build_id``, ..., ``build_id_deleted``, ...). Without them
    nearly every operation on an id would answer 404 and never reach its logic.
    """
    from tests.support.live_server import request_json

    def call(method: str, path: str, body: object = None, expect: int = 201) -> dict[str, Any]:
        status, answer = request_json(method, url + path, body, headers=auth)
        if status != expect:
            session.error(f"{method} {path} answered {status}: {answer}")
        return dict(answer)

    auth: dict[str, str] = {}
    signed_up = call("POST", "/v1/users", {"name": user, "password": password})
    auth["Authorization"] = f"Bearer {signed_up['token']['token']}"
    seeded = {"token": signed_up["token"]["token"]}
    from tests.support.gw2accounts import KEY

    call("PUT", "/v1/me/gw2-key", {"key": KEY})
    log = json.loads(FIGHT_LOG.read_text())
    for suffix in ("", "_deleted"):
        build = call(
            "POST", "/v1/builds", {"name": "fb", "chat_code": FIREBRAND, "visibility": "public"}
        )
        member = {"build_id": build["id"], "role": "stab-support"}
        composition = call(
            "POST",
            "/v1/compositions",
            {"name": "squad", "parties": [{"members": [{"archetype": "scourge-strip"}, member]}]},
        )
        if suffix:  # the build to delete must not be in use
            call(
                "PATCH",
                f"/v1/compositions/{composition['id']}",
                expect=200,
                body={"parties": [{"members": [{"archetype": "scourge-strip"}]}]},
            )
        # Port 9 (discard) on loopback: deliveries fail at once, and nothing leaves the machine.
        webhook = call(
            "POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": ["build.*"]}
        )
        delivery = call("POST", f"/v1/webhooks/{webhook['id']}/test", expect=202)
        fight = call("POST", "/v1/fights", log, expect=202)
        # Parsed in the background: a review needs the report, so wait for it.
        deadline = time.monotonic() + 60
        while fight["status"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.2)
            fight = call("GET", f"/v1/fights/{fight['id']}", expect=200)
        if fight["status"] != "ready":
            session.error(f"the seeded fight is not ready: {fight}")
        event = call("POST", "/v1/events", {"name": "raid", "starts_at": "2026-12-05T20:00:00Z"})
        call(
            "PUT",
            f"/v1/events/{event['id']}/signups/me",
            {"specializations": ["firebrand-stab", "scourge"]},
        )
        made = (build, composition, webhook, delivery, fight, event)
        for name, one in zip(SEEDED, made, strict=True):
            seeded[name + suffix] = one["id"]
    return seeded


def _seeded_schema(url: str, seeded: dict[str, str], suffix: str, path: Path) -> None:
    """The server's OpenAPI document, written to ``path``, with one set of seeded ids as the
    examples of the path and query parameters they fill.

    The coverage and examples phases take ids from examples, not from the dictionaries: without
    them every operation on an id would answer 404 or 422 there and never reach its logic. The
    GW2 API key's example becomes the stand-in's key, for the same reason.
    """
    from tests.support.gw2accounts import KEY

    with urllib.request.urlopen(f"{url}/openapi.json") as answer:
        schema = json.load(answer)
    # The documented key is a placeholder the GW2 API stand-in refuses, and the coverage and
    # examples phases send examples, not the dictionary's key: every case would answer 422.
    key_in = schema["components"]["schemas"]["KeyIn"]
    key_in["examples"] = [{"key": KEY}]
    key_in["properties"]["key"]["examples"] = [KEY]
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query") and parameter["name"] in SEEDED:
                    parameter["schema"]["examples"] = [seeded[parameter["name"] + suffix]]
    path.write_text(json.dumps(schema))


def _with_seeded(config: str, seeded: dict[str, str], suffix: str) -> str:
    """``config`` with half of the ids in paths, and most of the builds members refer to, taken
    from one set of seeded resources.

    ``config`` ends with its ``[parameters]`` table: the bindings are added to it, then the
    dictionaries they name.
    """
    lines = ["", "# Added by the nox session: the seeded resources."]
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in SEEDED]
    lines += [
        f'"{at}" = {{ dictionary = "{name}", probability = 0.8 }}'
        for at, name in (
            ("body.parties[*].members[*].build_id", "build_id"),
            ("query.delivery_id", "delivery_id"),
        )
    ]
    for name in SEEDED:
        lines += [f"[dictionaries.{name}]", f'values = ["{seeded[name + suffix]}"]']
    return config + "\n".join(lines) + "\n"


@nox.session
@nox.parametrize("database", ["sqlite", "postgresql"])
def schemathesis(session: nox.Session, database: str) -> None:
    """Fuzz every operation of a live server from its OpenAPI document, on the embedded default
    (SQLite) or on PostgreSQL (a database of its own, dropped afterwards).

    A user and two sets of a build, composition, webhook and delivery of theirs are made first;
    their token authenticates the run, and half the ids the fuzzer sends are theirs, so
    operations on ids reach their logic. Every operation but the deletes runs on the first set,
    then the deletes on the second. Settings (seed, cases per operation, checks, auth) live in
    tests/e2e/schemathesis.toml. Fails on any 5xx, any answer that breaks its documented
    schema, status, headers or media type, any invalid request that is accepted, and on the
    warnings tests/e2e/schemathesis.toml names.
    ``nox -s schemathesis -- --max-examples 5`` passes options through.
    """
    sync(session)
    sys.path.insert(0, str(ROOT))
    from cryptography.fernet import Fernet

    from tests.support.databases import create_postgres_database, drop_postgres_database
    from tests.support.dps_report import FakeDpsReport
    from tests.support.gw2accounts import KEY, account
    from tests.support.gw2api import FakeGw2Api
    from tests.support.live_server import LiveServer

    # Stand-ins for the official GW2 API and dps.report: nothing leaves the machine, and an
    # upstream that cannot be reached (503, 502) would count as a server error. Permalinks
    # nobody registered get a JSON that is no log: stored, then failed by the import job.
    official = FakeGw2Api(accounts={KEY: account()}).start()
    dps = FakeDpsReport(fallback=b"{}")
    dps.add(PERMALINK, FIGHT_LOG.read_bytes())
    dps.__enter__()
    scratch = Path(tempfile.mkdtemp(prefix="gw2wvw-schemathesis-"))
    env = {
        "GW2WVW_DATA_DIR": str(scratch / "data"),
        "GW2WVW_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "GW2WVW_GW2_API_URL": official.url,
        "GW2WVW_DPS_REPORT_URL": dps.url,
        # A key of this run's own: PostgreSQL stores GW2 API keys only encrypted.
        "GW2WVW_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        # Thousands of sign-ups, sign-ins and tokens from one address: throttling (tested on
        # its own) would answer most of them 429 and hide what lies behind.
        **{
            f"GW2WVW_THROTTLE_{name}": "100000/minute"
            for name in ("SIGN_IN", "SIGN_IN_ACCOUNT", "SIGN_IN_ADDRESS", "SIGN_UP", "TOKENS")
        },
    }
    database_url = create_postgres_database() if database == "postgresql" else None
    if database_url is not None:
        env["GW2WVW_DATABASE_URL"] = database_url
    server = LiveServer(env, python=Path(session.bin) / "python", name="schemathesis-server")
    try:
        server.start()
        user, password = "fuzzer", "fuzzing password"
        seeded = _seed(session, server.url, user, password)
        config = (ROOT / "tests" / "e2e" / "schemathesis.toml").read_text()
        env = {
            "GW2WVW_E2E_USER": user,
            "GW2WVW_E2E_PASSWORD": password,
            "GW2WVW_E2E_TOKEN": seeded["token"],
        }
        # Reports and Hypothesis' files go to the scratch directory, not into the clone.
        session.chdir(scratch)
        # Deletes run last, on resources of their own: run with the others (whatever the
        # configuration says, schemathesis' coverage phase gives them the same ids), they would
        # remove what every other operation works on.
        failed: list[str] = []
        for run, methods, suffix in (
            ("main", "--exclude-method", ""),
            ("deletes", "--include-method", "_deleted"),
        ):
            path = scratch / f"schemathesis-{run}.toml"
            path.write_text(_with_seeded(config, seeded, suffix))
            document = scratch / f"openapi-{run}.json"
            _seeded_schema(server.url, seeded, suffix, document)
            try:
                session.run(
                    "schemathesis",
                    "--config-file",
                    str(path),
                    "run",
                    str(document),
                    "--url",
                    server.url,
                    methods,
                    "DELETE",
                    "--checks",
                    "all",
                    "--exclude-checks",
                    "positive_data_acceptance",
                    *session.posargs,
                    env=env,
                )
            except CommandFailed:
                failed.append(run)
        if failed:
            session.error(f"schemathesis found problems ({' and '.join(failed)} run)")
    finally:
        if not server.alive():
            session.warn(f"the server stopped during the run:\n{server.output()}")
        elif "Traceback" in server.output():
            session.warn(f"the server logged errors:\n{server.output()}")
        server.close()
        dps.__exit__()
        official.stop()
        if database_url is not None:
            drop_postgres_database(database_url)
        shutil.rmtree(scratch, ignore_errors=True)


@nox.session
def wheels(session: nox.Session) -> None:
    """Build all distributions and check their metadata, then the packaging tests.

    Those install each extra (and the API and the worker) alone from the built wheels into a
    fresh environment, check what it brings and what it refuses without its extra, and run
    every code example of the documentation in the environment its page installs.
    """
    sync(session)
    out = tempfile.mkdtemp(prefix="gw2wvw-dist-")
    session.run("uv", "build", "--all-packages", "--out-dir", out, external=True)
    built = sorted(os.path.basename(p) for p in glob.glob(f"{out}/*"))
    session.log(f"built: {', '.join(built)}")
    for name in ("gw2wvw", "gw2wvw_api", "gw2wvw_worker"):
        for suffix in ("-py3-none-any.whl", ".tar.gz"):
            if not any(b.startswith(name + "-") and b.endswith(suffix) for b in built):
                session.error(f"missing {name}*{suffix}")
    try:
        session.run("twine", "check", "--strict", *(f"{out}/{b}" for b in built))
        session.run("pytest", "tests/packaging", *session.posargs, env={"GW2WVW_WHEELHOUSE": out})
    finally:
        shutil.rmtree(out, ignore_errors=True)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly: a broken link or reference fails."""
    sync(session, "docs")
    site = tempfile.mkdtemp(prefix="gw2wvw-site-")
    started = time.monotonic()
    # Material prints a banner about MkDocs 2 on every build; it is not a warning of ours.
    session.run("mkdocs", "build", "--strict", "--site-dir", site, env={"NO_MKDOCS_2_WARNING": "1"})
    session.log(f"site built in {time.monotonic() - started:.1f} s: {site}")
