"""The `portefeuille` commands: createfirm, demo, and serve (what `make run` runs)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portefeuille.firms.demo import DEMO_ADMIN_EMAIL, DEMO_FIRM_NAME, DEMO_PASSWORD
from portefeuille.firms.models import Colleague, ContactType, Firm, RoleSlot, Team
from portefeuille.testing.factories import ColleagueFactory


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_createfirm_creates_the_firm_and_an_admin_who_can_sign_in() -> None:
    output = run(
        "createfirm", "--name", "Cabinet Dupont", "--admin-email", "Alice@Dupont.fr",
        "--admin-password", "un-mot-de-passe-solide",
    )  # fmt: skip
    firm = Firm.objects.get(name="Cabinet Dupont")
    admin = Colleague.objects.get(email="alice@dupont.fr")
    assert admin.firm == firm
    assert admin.profile == Colleague.Profile.ADMIN
    assert admin.check_password("un-mot-de-passe-solide")
    assert "Cabinet Dupont" in output
    # The firm starts with its defaults: ten role slots and the usual contact types.
    assert RoleSlot.objects.filter(firm=firm).count() == 10
    assert set(ContactType.objects.filter(firm=firm).values_list("name", flat=True)) >= {
        "Client",
        "Inactif",
    }


@pytest.mark.django_db
def test_createfirm_without_password_prints_the_generated_one_once() -> None:
    output = run("createfirm", "--name", "Cabinet Martin", "--admin-email", "bob@martin.fr")
    admin = Colleague.objects.get(email="bob@martin.fr")
    printed = output.split("with the password ")[1].split()[0]
    assert admin.check_password(printed)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--admin-email", "pas-une-adresse"], "not a valid e-mail"),
        (["--admin-email", "taken@example.fr"], "already exists"),
        (["--admin-email", "carol@example.fr", "--admin-password", "123"], "Password refused"),
    ],
)
def test_createfirm_refuses_bad_input_and_writes_nothing(
    arguments: list[str], message: str
) -> None:
    ColleagueFactory.create(email="taken@example.fr")
    firms_before = Firm.objects.count()
    with pytest.raises(CommandError, match=message):
        run("createfirm", "--name", "Cabinet Refusé", *arguments)
    assert Firm.objects.count() == firms_before
    assert not Firm.objects.filter(name="Cabinet Refusé").exists()


@pytest.mark.django_db
def test_demo_builds_the_firm_once_and_reset_rebuilds_it() -> None:
    run("demo")
    firm = Firm.objects.get(name=DEMO_FIRM_NAME)
    colleagues = Colleague.objects.filter(firm=firm)
    assert colleagues.count() == 25
    assert Team.objects.filter(firm=firm).count() == 5
    admin = colleagues.get(email=DEMO_ADMIN_EMAIL)
    assert admin.profile == Colleague.Profile.ADMIN
    assert admin.check_password(DEMO_PASSWORD)
    assert colleagues.filter(scope=Colleague.Scope.LIMITED).count() == 1
    assert colleagues.filter(is_active=False).count() == 1

    run("demo")
    assert Firm.objects.filter(name=DEMO_FIRM_NAME).get() == firm

    run("demo", "--reset")
    rebuilt = Firm.objects.get(name=DEMO_FIRM_NAME)
    assert rebuilt.pk != firm.pk
    assert Colleague.objects.filter(firm=rebuilt).count() == 25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_migrates_creates_the_demo_serves_and_runs_the_task_worker(
    tmp_path: Path,
) -> None:
    """What `make run` does, on a fresh SQLite file: the site answers, the printed sign-in
    works, and an e-mail queued as a task is really sent by the worker beside it."""
    port = free_port()
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "PORTEFEUILLE_DEV": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "EMAIL_URL": f"file://{mail_dir}",
    }
    env.pop("PORTEFEUILLE_TEST_DB", None)
    command = [sys.executable, "-m", "portefeuille.cli"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603
            [*command, "serve", "--port", str(port), "--web-workers", "1", "--threads", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def healthy() -> bool:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_for(healthy, 120, "the server to answer /healthz")
        printed = log.read_text()
        assert f"Portefeuille is running at http://127.0.0.1:{port}/" in printed
        assert f"Demo sign-in: {DEMO_ADMIN_EMAIL}  password: {DEMO_PASSWORD}" in printed

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as response:
            assert "Portefeuille" in response.read().decode()

        # Queue an invitation from another process, as a web request would.
        enqueue = (
            "from portefeuille.firms.models import Colleague;"
            "from portefeuille.firms.tasks import send_invitation_email;"
            f"c = Colleague.objects.exclude(email='{DEMO_ADMIN_EMAIL}')"
            ".filter(is_active=True).order_by('pk').first();"
            "send_invitation_email.enqueue(c.pk)"
        )
        subprocess.run([*command, "shell", "-c", enqueue], env=env, check=True)  # noqa: S603
        wait_for(lambda: mail_dir.exists() and any(mail_dir.iterdir()), 60, "the worker's e-mail")
        message = next(mail_dir.iterdir()).read_text()
        assert "Cabinet Démo" in message or "Cabinet D=C3=A9mo" in message
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Stopping" in log.read_text()
