"""The bounded e-mail reader (mime.py) reads what Python's email package reads, on ordinary
and on broken e-mails: the same body, the same attachments, the same headers."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from portefeuille.contacts import mime

from .timeline_samples import PDF, eml


def by_the_email_package(raw: bytes) -> dict[str, Any]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    kind = "plain"
    if body is None:
        body, kind = message.get_body(preferencelist=("html",)), "html"
    attachments = []
    for part in message.iter_attachments():
        content = part.get_payload(decode=True)
        if isinstance(content, bytes) and content:
            attachments.append((part.get_filename(), content))

    def addresses(name: str) -> list[str]:
        header = message.get(name)
        found = getattr(header, "addresses", ()) if header is not None else ()
        return [str(address) for address in found if address.username and address.domain]

    date = message.get("Date")
    return {
        "body": None if body is None else (kind, str(body.get_content())),
        "attachments": attachments,
        "subject": str(message.get("Subject") or "").strip(),
        "senders": addresses("From"),
        "recipients": addresses("To") + addresses("Cc") + addresses("Bcc"),
        "message_id": str(message.get("Message-ID") or "").strip(),
        "date": None if date is None else getattr(date, "datetime", None),
    }


def by_the_bounded_reader(raw: bytes) -> dict[str, Any]:
    message = mime.read(raw)
    body = mime.body(message, "plain")
    kind = "plain"
    if body is None:
        body, kind = mime.body(message, "html"), "html"
    attachments = []
    for part in mime.attachments(message):
        if part.parts is None and part.maintype != "message" and (content := part.payload()):
            attachments.append((part.filename, content))
    return {
        "body": None if body is None else (kind, body.text_content()),
        "attachments": attachments,
        "subject": message.subject.strip(),
        "senders": message.senders,
        "recipients": message.recipients,
        "message_id": message.message_id.strip(),
        "date": message.date,
    }


RELATED = (
    b"""From: a@exemple.fr
To: b@exemple.fr
Subject: related
MIME-Version: 1.0
Content-Type: multipart/related; boundary="R"; start="<root@x>"

--R
Content-Type: image/png
Content-ID: <img@x>
Content-Transfer-Encoding: base64

"""
    + base64.encodebytes(b"\x89PNG\r\n\x1a\n" + b"0" * 300)
    + b"""
--R
Content-Type: text/html; charset=utf-8
Content-ID: <root@x>

<p>racine \xc3\xa9</p>
--R--
"""
)

NESTED = b"""From: a@exemple.fr
To: b@exemple.fr
Subject: nested
Content-Type: multipart/mixed; boundary=M

preamble
--M
Content-Type: multipart/alternative; boundary=A

--A
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9 =
coup=C3=A9
--A
Content-Type: multipart/related; boundary=R

--R
Content-Type: text/html

<b>html</b>
--R
Content-Type: image/gif
Content-Disposition: inline; filename*=utf-8''r%C3%A9sum%C3%A9.gif

GIF89a
--R--
--A--
--M
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9.bin?="

data
--M
Content-Type: message/rfc822

From: c@exemple.fr
Subject: inner

inner body
--M
Content-Type: text/plain
Content-Disposition: attachment; filename*0="part"; filename*1=".txt"

second text
--M--
epilogue
"""

FROM_TO = b"From: a@exemple.fr\nTo: b@exemple.fr\n"
SAMPLES = {
    "plain": eml(),
    "plain and html": eml(html="<p>Bonjour</p>"),
    "html only": eml(body="", html="<p>Bonjour <b>Marc</b></p>"),
    "attachments": eml(
        cc='Paul Martin <paul@exemple.fr>, "Dupont, Jean" <jd@exemple.fr>, pas une adresse',
        attachments=[
            ("bilan.pdf", PDF, "application/pdf"),
            ("résumé accentué éèà.txt", "texte é".encode(), "text/plain"),
        ],
    ),
    "related with a start": RELATED,
    "related, CRLF": RELATED.replace(b"\n", b"\r\n"),
    "nested": NESTED,
    "nested, CRLF": NESTED.replace(b"\n", b"\r\n"),
    "never closed": FROM_TO
    + b"Content-Type: multipart/mixed; boundary=X\n\n--X\n\ncorps\n--X\n"
    + b"Content-Disposition: attachment; filename=a.pdf\n\n%PDF-1.4\n",
    "no first boundary": FROM_TO + b"Content-Type: multipart/mixed; boundary=X\n\ntexte\n",
    "no boundary": FROM_TO + b"Content-Type: multipart/mixed\n\ntexte\n",
    "spaces after the boundary": FROM_TO
    + b'Content-Type: multipart/mixed; boundary="X Y"\n\n--X Y  \n\ncorps\n'
    + b"--X Y \t\nContent-Disposition: attachment; filename=x.txt\n\nx\n--X Y--  \n",
    "repeated boundaries": FROM_TO
    + b"Content-Type: multipart/mixed; boundary=X\n\n--X\n--X\n\ncorps\n--X\n--X\n"
    + b"Content-Disposition: attachment; filename=x.txt\n\nx\n--X--\n",
    "folded, upper case": b"FROM: a@exemple.fr\nTO: b@exemple.fr\nCONTENT-TYPE: multipart/mixed;\n"
    + b' boundary="X"\n\n--X\nCONTENT-TYPE: text/plain;\n\tcharset=utf-8\n\ncorps \xc3\xa9\n'
    + b'--X\nContent-Disposition: ATTACHMENT;\n filename="a b.txt"\n\nx\n--X--\n',
    "digest": FROM_TO
    + b"Content-Type: multipart/mixed; boundary=X\n\n--X\n\ncorps\n--X\n"
    + b"Content-Type: multipart/digest; boundary=D\n\n--D\n\nFrom: z@exemple.fr\n\nz\n"
    + b"--D--\n--X--\n",
    "base64 body": FROM_TO
    + b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    + base64.encodebytes("Bonjour été".encode()),
    "base64 without padding": FROM_TO
    + b"Content-Type: multipart/mixed; boundary=X\n\n--X\n\ncorps\n--X\n"
    + b"Content-Disposition: attachment; filename=a\nContent-Transfer-Encoding: base64\n\n"
    + b"YWJjZA\n--X--\n",
    "name in the content type": FROM_TO
    + b"Content-Type: multipart/mixed; boundary=X\n\n--X\n\ncorps\n--X\n"
    + b'Content-Type: application/pdf; name="doc.pdf"\n\n%PDF\n--X--\n',
    "encoded words": b"From: =?utf-8?q?=C3=89lodie?= <e@exemple.fr>\n"
    + b"To: =?iso-8859-1?q?Andr=E9?= <a@exemple.fr>, <b@exemple.fr>\n"
    + b"Subject: =?utf-8?b?w6l0w6k=?= suite\nDate: Tue, 14 Oct 2025 09:30:00 -0000\n\ncorps\n",
    "folded subject, bad date": FROM_TO
    + b"Subject: un sujet\n sur deux lignes\nDate: n'importe quoi\n\ncorps\n",
    "no blank line after the headers": FROM_TO + b"Subject: x\nceci est le corps\nsuite\n",
    "alternative at the top": FROM_TO
    + b"Content-Type: multipart/alternative; boundary=X\n\n--X\nContent-Type: text/html\n\n"
    + b"<p>h</p>\n--X\nContent-Type: text/plain\n\ntexte\n--X--\n",
    "a text marked as an attachment": FROM_TO
    + b"Content-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain\n"
    + b"Content-Disposition: attachment; filename=first.txt\n\nfirst\n--X\n\ncorps\n--X--\n",
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_bounded_reader_reads_what_the_email_package_reads(name: str) -> None:
    raw = SAMPLES[name]
    assert by_the_bounded_reader(raw) == by_the_email_package(raw)


def test_an_8bit_subject_is_read_as_utf8_else_windows_1252() -> None:
    # The email package shows "caf\ufffd"; the body's own charset says nothing of headers.
    raw = b"From: a@exemple.fr\nSubject: caf\xe9\n\ncorps\n"
    assert mime.read(raw).subject == "café"
    assert mime.read(b"From: a@exemple.fr\nSubject: caf\xc3\xa9\n\ncorps\n").subject == "café"


def test_an_unknown_charset_reads_as_utf8_instead_of_failing() -> None:
    raw = b"From: a@exemple.fr\nContent-Type: text/plain; charset=x-inconnu\n\ncorps \xc3\xa9\n"
    part = mime.body(mime.read(raw), "plain")
    assert part is not None
    assert part.text_content() == "corps é\n"


def test_lines_ended_by_a_lone_carriage_return_are_lines_too() -> None:
    message = mime.read(b"From: a@exemple.fr\rTo: b@exemple.fr\rSubject: x\r\rcorps\r")
    assert (message.subject, message.recipients) == ("x", ["b@exemple.fr"])
