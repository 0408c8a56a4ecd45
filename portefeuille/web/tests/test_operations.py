"""What operators rely on: the health check, production settings, migrations in sync."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

# Variables of the development and test environment that production does not have.
DEV_ONLY = {
    "PORTEFEUILLE_DEV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DEV_ONLY}
    env.update(PORTEFEUILLE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="portefeuille.settings")
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portefeuille.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_health_check_answers_ok_without_signing_in(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_health_check_answers_over_plain_http_when_https_is_enforced(
    client: Client, settings: Any
) -> None:
    # Load balancers probe the backends over plain HTTP; every other page redirects.
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_deploy_check_is_clean_with_a_production_environment(tmp_path: Path) -> None:
    env = production_environment(
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portefeuille.example.com",
        CSRF_TRUSTED_ORIGINS="https://portefeuille.example.com",
    )

    result = run_cli(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_environment(tmp_path, ALLOWED_HOSTS="portefeuille.example.com")

    result = run_cli(env, "check")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_migrations_are_in_sync_with_the_models() -> None:
    # Exits with status 1 when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_deployment_guide_documents_every_environment_variable_of_the_settings() -> None:
    root = Path(__file__).resolve().parents[3]
    source = (root / "portefeuille" / "settings.py").read_text()
    guide = (root / "docs" / "deployment.md").read_text()
    names = set(
        re.findall(r'(?:environ(?:\.get)?[\(\[]|env_bool\(|env_list\()\s*"([A-Z0-9_]+)"', source)
    )

    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL"} <= names
    assert sorted(name for name in names if f"`{name}`" not in guide) == []
