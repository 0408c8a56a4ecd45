"""Sign-in limits and one-time codes hold across web processes, not per process.

Two gunicorn servers, as a deployment runs them, over one freshly migrated database (so
`migrate` alone must have made the cache they share): a file in a temporary folder on
SQLite, a new database in the test cluster on PostgreSQL. The test database is not used.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings

from portefeuille.testing.factories import PASSWORD

# Only the per-address limit is raised, so that the tests of this module do not add up to
# it; the per-account limit under test stays allauth's default (5 failures in 5 minutes).
LOGIN_RATE_LIMIT = "1000/m/ip,5/5m/key"
ALLOWED_FAILURES = 5

SETUP = """
import json, sys
import django
django.setup()
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from portefeuille.firms.models import Colleague
from portefeuille.firms.services import create_firm

call_command("migrate", verbosity=0, interactive=False)
password = sys.argv[1]
firm, _admin = create_firm(
    name="Cabinet Deux", admin_email="admin@deux.fr", admin_password=password
)
out = {}
for name in ("sequential", "concurrent", "recovery"):
    colleague = Colleague.objects.create_user(email=f"{name}@deux.fr", password=password, firm=firm)
    secret = generate_totp_secret()
    TOTP.activate(colleague, secret)
    out[name] = {"secret": secret, "codes": RecoveryCodes.activate(colleague).get_unused_codes()}
for name in ("one-process", "two-processes"):
    Colleague.objects.create_user(email=f"{name}@deux.fr", password=password, firm=firm)
print(json.dumps(out))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Deployment:
    servers: list[str]
    people: dict[str, Any]


def post_token(base: str, **body: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/auth/token",
        data=json.dumps(body).encode(),
        # As behind the proxy, every process receives the site's one host name (allauth's
        # per-account limit is keyed by it).
        headers={"Content-Type": "application/json", "Host": "localhost"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('processes') / 'deployment.sqlite3'}"
        return
    name = f"processes_{uuid.uuid4().hex[:12]}"
    server = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def deployment(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("deployment")
    env = {
        **os.environ,
        "PORTEFEUILLE_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "portefeuille.settings",
        "DATABASE_URL": database_url,
        "PORTEFEUILLE_VAR_DIR": str(folder),
        "LOGIN_RATE_LIMIT": LOGIN_RATE_LIMIT,
    }
    for name in ("PORTEFEUILLE_TEST_DB", "CACHE_URL"):
        env.pop(name, None)  # the default cache: a table of that database
    setup = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SETUP, PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr
    people = json.loads(setup.stdout.strip().splitlines()[-1])

    servers: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    for number in (1, 2):
        port = _free_port()
        log_path = folder / f"web{number}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    "2",
                    "--no-control-socket",
                    "portefeuille.wsgi:application",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        servers.append((process, f"http://127.0.0.1:{port}", log_path))
    try:
        for process, base, log_path in servers:
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
                        assert answer.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
        yield Deployment(servers=[base for _process, base, _log in servers], people=people)
    finally:
        for process, _base, _log in servers:
            process.terminate()
        for process, _base, _log in servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fresh_totp_code(secret: str) -> str:
    """The current code, with at least a few seconds left before the next one replaces it."""
    while 30 - time.time() % 30 < 4:
        time.sleep(0.25)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_the_same_totp_code_sent_to_two_processes_gives_one_token(
    deployment: Deployment,
) -> None:
    first, second = deployment.servers
    code = fresh_totp_code(deployment.people["sequential"]["secret"])
    credentials = {"email": "sequential@deux.fr", "password": PASSWORD, "otp": code}

    status_1, token = post_token(first, **credentials)
    status_2, replay = post_token(second, **credentials)

    assert status_1 == 201, token
    assert status_2 == 401, replay
    assert replay["type"].endswith(":otp-invalid")


def send_at_once(requests: list[tuple[str, dict[str, str]]]) -> list[int]:
    """Sends each request from its own thread, released together; their statuses, in order."""
    statuses: list[int] = [0] * len(requests)
    start = threading.Barrier(len(requests))

    def send(index: int, base: str, body: dict[str, str]) -> None:
        start.wait()
        statuses[index] = post_token(base, **body)[0]

    threads = [
        threading.Thread(target=send, args=(index, base, body))
        for index, (base, body) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_one_code_sent_to_two_processes_at_the_same_instant_gives_one_token(
    deployment: Deployment,
) -> None:
    person = deployment.people["concurrent"]
    totp = {"email": "concurrent@deux.fr", "password": PASSWORD}
    totp["otp"] = fresh_totp_code(person["secret"])
    recovery = {"email": "concurrent@deux.fr", "password": PASSWORD, "otp": person["codes"][0]}

    by_totp = send_at_once([(base, totp) for base in deployment.servers])
    by_recovery_code = send_at_once([(base, recovery) for base in deployment.servers])

    assert sorted(by_totp) == [201, 401]
    assert sorted(by_recovery_code) == [201, 401]


def test_failed_passwords_count_across_processes_as_in_one_and_stay_refused(
    deployment: Deployment,
) -> None:
    first, second = deployment.servers
    attempts = ALLOWED_FAILURES + 4

    on_one = [
        post_token(first, email="one-process@deux.fr", password="wrong")[0]
        for _attempt in range(attempts)
    ]
    alternating = [
        post_token(
            deployment.servers[attempt % 2], email="two-processes@deux.fr", password="wrong"
        )[0]
        for attempt in range(attempts)
    ]
    # Still refused after the limit, on either process, even with the right password.
    right = [
        post_token(base, email="two-processes@deux.fr", password=PASSWORD)[0]
        for base in (first, second)
    ]

    assert on_one == [401] * ALLOWED_FAILURES + [429] * 4
    assert alternating == on_one
    assert right == [429, 429]
