"""What the shared inbox's tests share: a firm, its people, e-mails as clients write them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from portefeuille.firms.models import Colleague, Firm
from portefeuille.testing.factories import AdminFactory, ColleagueFactory, FirmFactory


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def firm(db: None) -> Firm:
    return FirmFactory.create(name="Cabinet Lambert")


@pytest.fixture
def admin(firm: Firm) -> Colleague:
    return AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")


@pytest.fixture
def agent(firm: Firm) -> Colleague:
    """Full scope, on no client team: a hidden client's tickets exist for her only once
    given to her; a ticket matched to no client is hers to read too."""
    return ColleagueFactory.create(firm=firm, first_name="Bea", last_name="Agent")


@pytest.fixture
def limited(firm: Firm) -> Colleague:
    return ColleagueFactory.create(
        firm=firm, first_name="Lea", last_name="Limitee", scope="limited"
    )


def eml(
    sender: str,
    subject: str,
    body: str,
    message_id: str = "",
    in_reply_to: str = "",
    name: str = "Claire Martin",
) -> bytes:
    """An e-mail as a client's mail program writes it."""
    headers = [
        f"From: {name} <{sender}>",
        "To: accueil@cabinet.example",
        f"Subject: {subject}",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def browse(colleague: Colleague, language: str = "fr") -> Client:
    http = Client(headers={"accept-language": language})
    http.force_login(colleague)
    return http
