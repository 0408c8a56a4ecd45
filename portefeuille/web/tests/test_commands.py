"""The `portefeuille` commands: createfirm, demo, serve."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.test import Client

from portefeuille.firms.demo import DEMO_ADMIN_EMAIL, DEMO_FIRM_NAME, DEMO_PASSWORD
from portefeuille.firms.models import Colleague, Firm, RoleSlot, Team
from portefeuille.testing.factories import ColleagueFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def signs_in(client: Client, email: str, password: str) -> bool:
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return response.status_code == 302 and response.headers["Location"] == "/"


# createfirm ---------------------------------------------------------------------------


def test_createfirm_creates_the_firm_and_an_admin_who_can_sign_in(client: Client) -> None:
    output = run(
        "createfirm",
        "--name",
        "Cabinet Lemaire",
        "--admin-email",
        "Jeanne.Lemaire@Example.fr",
        "--admin-password",
        "un mot de passe solide",
    )

    firm = Firm.objects.get(name="Cabinet Lemaire")
    admin = Colleague.objects.get(email="jeanne.lemaire@example.fr")
    assert admin.firm == firm
    assert admin.is_admin
    assert "Cabinet Lemaire" in output
    assert signs_in(client, "jeanne.lemaire@example.fr", "un mot de passe solide")


def test_createfirm_without_password_prints_a_generated_one_that_works(client: Client) -> None:
    output = run("createfirm", "--name", "Cabinet Roux", "--admin-email", "paul@roux.fr")

    match = re.search(r"with the password (\S+) ", output)
    assert match, output
    assert signs_in(client, "paul@roux.fr", match.group(1))


def test_createfirm_refuses_an_address_already_used_and_creates_nothing() -> None:
    ColleagueFactory.create(email="pris@example.fr")
    firms_before = Firm.objects.count()

    with pytest.raises(CommandError, match="already exists"):
        run("createfirm", "--name", "Doublon", "--admin-email", "PRIS@example.fr")

    assert Firm.objects.count() == firms_before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--admin-email", "pas-une-adresse"], "not a valid e-mail"),
        (["--admin-email", "a@b.fr", "--admin-password", "123"], "Password refused"),
    ],
)
def test_createfirm_refuses_bad_input(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("createfirm", "--name", "Cabinet", *args)

    assert not Firm.objects.filter(name="Cabinet").exists()


# demo -------------------------------------------------------------------------------


def test_demo_creates_the_demo_firm_with_its_colleagues_teams_and_roles(client: Client) -> None:
    output = run("demo")

    firm = Firm.objects.get(name=DEMO_FIRM_NAME)
    colleagues = Colleague.objects.filter(firm=firm)
    assert 20 <= colleagues.count() <= 30
    assert colleagues.filter(profile=Colleague.Profile.ADMIN).count() == 1
    assert colleagues.filter(scope=Colleague.Scope.LIMITED, is_active=True).count() == 1
    assert colleagues.filter(is_active=False).count() == 1
    assert Team.objects.filter(firm=firm).count() == 5
    assert "Pôle Social" in Team.objects.filter(firm=firm).values_list("name", flat=True)
    assert all(colleague.teams.exists() for colleague in colleagues.filter(is_active=True))
    titles = set(
        RoleSlot.objects.filter(firm=firm).exclude(title="").values_list("title", flat=True)
    )
    assert {"Associé signataire", "Deuxième responsable commercial"} <= titles
    assert DEMO_ADMIN_EMAIL in output
    assert DEMO_PASSWORD in output
    assert signs_in(client, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)


def test_demo_colleagues_have_french_names_and_the_inactive_one_cannot_sign_in(
    client: Client,
) -> None:
    run("demo")
    firm = Firm.objects.get(name=DEMO_FIRM_NAME)
    limited = Colleague.objects.get(firm=firm, scope=Colleague.Scope.LIMITED)
    inactive = Colleague.objects.get(firm=firm, is_active=False)

    assert all(c.first_name and c.last_name for c in Colleague.objects.filter(firm=firm))
    assert signs_in(client, limited.email, DEMO_PASSWORD)
    assert authenticate(email=inactive.email, password=DEMO_PASSWORD) is None


def test_demo_twice_changes_nothing_and_reset_rebuilds_the_same_firm() -> None:
    run("demo")
    firm = Firm.objects.get(name=DEMO_FIRM_NAME)
    names = list(Colleague.objects.filter(firm=firm).values_list("email", "last_name"))

    second = run("demo")
    assert "already exists" in second
    assert Firm.objects.filter(name=DEMO_FIRM_NAME).count() == 1
    assert list(Colleague.objects.filter(firm=firm).values_list("email", "last_name")) == names

    run("demo", "--reset")
    rebuilt = Firm.objects.get(name=DEMO_FIRM_NAME)
    assert rebuilt.pk != firm.pk
    # Same seed, same people.
    assert list(Colleague.objects.filter(firm=rebuilt).values_list("email", "last_name")) == names


# serve ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.status, response.read()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of an exited parent may linger as a zombie for a moment.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_serve_migrates_creates_the_demo_serves_static_files_and_stops_its_worker(
    tmp_path: Path,
) -> None:
    """What `make run` does; the worker beside the site really sends a queued e-mail."""
    port = _free_port()
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "PORTEFEUILLE_DEV": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PORTEFEUILLE_VAR_DIR": str(tmp_path),
        "EMAIL_URL": f"file://{mail_dir}",
    }
    env.pop("PORTEFEUILLE_TEST_DB", None)
    log_path = tmp_path / "serve.log"
    htmx_src = re.search(
        r'src="([^"]+)"', Template("{% load django_htmx %}{% htmx_script %}").render(Context())
    )
    assert htmx_src
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "portefeuille.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
        assert (status, body) == (200, b'{"status": "ok"}')
        assert _get(f"{base}/static/web/portefeuille.css")[0] == 200
        status, script = _get(f"{base}{htmx_src.group(1)}")
        assert status == 200
        assert b"htmx" in script
        output = log_path.read_text()
        assert f"Portefeuille is running at {base}/" in output
        assert f"{DEMO_ADMIN_EMAIL}  password: {DEMO_PASSWORD}" in output
        worker = re.search(r"Task worker started \(pid (\d+)\)", output)
        assert worker, output
        assert _pid_alive(int(worker.group(1)))

        # An invitation queued by another process, as a web request would queue it.
        enqueue = (
            "from portefeuille.firms.models import Colleague;"
            "from portefeuille.firms.tasks import send_invitation_email;"
            f"c = Colleague.objects.exclude(email='{DEMO_ADMIN_EMAIL}')"
            ".filter(is_active=True).order_by('pk').first();"
            "send_invitation_email.enqueue(c.pk)"
        )
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "portefeuille.cli", "shell", "-c", enqueue], env=env, check=True
        )
        deadline = time.monotonic() + 60
        message = ""
        # The file backend writes the message in steps: read it until it is whole.
        while "Cabinet Démo" not in message and "Cabinet D=C3=A9mo" not in message:
            assert time.monotonic() < deadline, f"the worker sent no e-mail: {message!r}"
            time.sleep(0.3)
            if mail_dir.exists():
                message = "".join(path.read_text() for path in mail_dir.iterdir())
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            returncode = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert returncode == 0, log_path.read_text()
    assert not _pid_alive(int(worker.group(1)))
