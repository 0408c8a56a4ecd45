"""Sample files and a small world for the timeline, documents and .eml tests (helper R)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage

from django.test import Client
from PIL import Image

from portefeuille.contacts.models import Contact
from portefeuille.firms.models import Colleague, Firm, Privacy
from portefeuille.testing.factories import (
    AdminFactory,
    ColleagueFactory,
    FirmFactory,
    PersonFactory,
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# The start of a Windows executable ("MZ" header, then the PE stub).
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def zip_of(files: dict[str, bytes | str], *, first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        names = list(files)
        if first is not None:
            names.remove(first)
            names.insert(0, first)
        for name in names:
            archive.writestr(name, files[name])
    return out.getvalue()


def docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
        }
    )


def xlsx() -> bytes:
    return zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})


def pptx() -> bytes:
    return zip_of({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"})


def odf(mimetype: str) -> bytes:
    return zip_of(
        {"mimetype": mimetype, "content.xml": "<office:document-content/>"}, first="mimetype"
    )


def eml(
    *,
    subject: str = "Bilan 2025",
    sender: str = "Élodie Lefèvre <elodie@exemple.fr>",
    to: str = "Cabinet <contact@cabinet.fr>",
    cc: str | None = None,
    date: str | None = "Tue, 14 Oct 2025 09:30:00 +0200",
    body: str = "Bonjour,\nvoici le bilan.\nÉlodie",
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    message_id: str | None = "<bilan-2025@exemple.fr>",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    if date:
        message["Date"] = date
    if message_id:
        message["Message-ID"] = message_id
    if html is not None and not body:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for name, content, mime in attachments or []:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


@dataclass
class World:
    firm: Firm
    admin: Colleague
    member: Colleague  # manager of the client: full access
    outsider: Colleague  # full scope, no link: name only on a private client
    client: Contact  # a private person, managed by `member`

    def browse(self, colleague: Colleague) -> Client:
        browser = Client()
        browser.force_login(colleague)
        return browser


def make_world() -> World:
    firm = FirmFactory.create(name="Cabinet Lambert")
    admin = AdminFactory.create(firm=firm, first_name="Alice", last_name="Admin")
    member = ColleagueFactory.create(firm=firm, first_name="Marc", last_name="Membre")
    outsider = ColleagueFactory.create(firm=firm, first_name="Fanny", last_name="Dehors")
    client = PersonFactory.create(
        firm=firm,
        first_name="Élodie",
        last_name="Lefèvre",
        privacy=Privacy.PRIVATE,
        manager=member,
    )
    return World(firm=firm, admin=admin, member=member, outsider=outsider, client=client)
