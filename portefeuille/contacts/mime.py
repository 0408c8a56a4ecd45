"""A bounded reader of e-mails (.eml): their parts and the few headers the timeline reads, in
time and memory proportional to the file (docs/uploads.md).

Python's `email` parser reads neither the structure nor the headers here:
- it handles a message line by line in Python, keeping every line as an object: a 24 MB
  file of short lines takes 2 s and 750 MB, 100,000 tiny parts 17 s;
- the header parser of `policy.default` takes quadratic time on crafted values (8 KB of
  "(a)" in a To header: 1.4 s; 256 KB of commas: minutes), and the legacy parameter parser
  on quoted semicolons.

So the structure is found by searching each multipart's boundary over the bytes of the file
(RFC 2046), a part is a span of those bytes, and only the headers the timeline reads are
parsed, once each and by linear means: From, To, Cc, Bcc, Subject, Date and Message-ID of
the message; Content-Type, Content-Disposition, Content-Transfer-Encoding and Content-ID of
each part, with the email package's legacy helpers (`getaddresses`, `parsedate_to_datetime`,
`decode_header`, `decode_params`) fed by a tokenizer that stops after `_MAX_PARAMS`
parameters. The body and the attachments are the parts the email package's `get_body` and
`iter_attachments` would choose; a part is split and its header lines told from its body as
the email package's parser does (any of CRLF, LF or CR ends a line; the line ending before a
boundary belongs to the boundary; repeated boundaries make no empty part).

Past a bound the e-mail is refused (`TooComplex`, with the bound): a header section larger
than `MAX_HEADER_BYTES`, all header sections together larger than `MAX_ALL_HEADER_BYTES`,
more than `MAX_PARTS` parts (the message is one), multiparts nested deeper than
`MAX_DEPTH`, more than `MAX_RECIPIENTS` addresses in To, Cc and Bcc.

Left as they are: a message attached inside the message (message/*) is a part, never
unpacked; uuencoded parts (pre-MIME) are not decoded.
"""

from __future__ import annotations

import binascii
import datetime
import email.errors
import email.header
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from typing import Any

MAX_HEADER_BYTES = 256 * 1024
MAX_ALL_HEADER_BYTES = 1024 * 1024
MAX_PARTS = 500
MAX_DEPTH = 10
MAX_RECIPIENTS = 1000
# Parameters of a Content-Type or Content-Disposition read at most; the rest are ignored.
_MAX_PARAMS = 100
# A boundary is at most 70 characters (RFC 2046); a longer one is no boundary.
_MAX_BOUNDARY = 998
# How much of a Subject is decoded (it is kept to 998 characters), and of a file name (255).
_MAX_SUBJECT = 8 * 1024
_MAX_NAME = 4 * 1024

# Header lines as the email package tells them from the body: "From " (an mbox line), a
# name and a colon, or a folded continuation; each up to its line ending.
_HEADER_LINES = re.compile(rb"(?:(?:From |[\x21-\x39\x3b-\x7e]*:|[\t ])[^\r\n]*(?:\r\n|\r|\n|\Z))*")
_LINE_END = re.compile(rb"\r\n|\r|\n")
_FIELD_END = re.compile(rb"(?:\r\n|\r|\n)(?![ \t])")
_FOLD = re.compile(rb"(?:\r\n|\r|\n)(?=[ \t])")
_PARAM_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|;|[^";]+', re.S)
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_FIELDS: dict[str, re.Pattern[bytes]] = {}


class TooComplex(Exception):
    """The e-mail passes one of the bounds: `code` says which, `limit` is the bound."""

    def __init__(self, code: str, limit: int) -> None:
        super().__init__(f"{code} (limit {limit})")
        self.code = code
        self.limit = limit


def _field_pattern(name: str) -> re.Pattern[bytes]:
    pattern = _FIELDS.get(name)
    if pattern is None:
        # At the start of a line, whichever of CRLF, LF or CR ended the one before.
        pattern = re.compile(rb"(?<![^\r\n])" + re.escape(name.encode()) + rb":", re.I)
        _FIELDS[name] = pattern
    return pattern


def plain(value: bytes) -> str:
    """A header's bytes as text: UTF-8, else Windows-1252 (8-bit headers exist)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", errors="replace")


def decoded_words(text: str) -> str:
    """The text with its encoded words (RFC 2047, "=?utf-8?q?...?=") decoded."""
    if "=?" not in text:
        return text
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return text


def _split_params(value: str) -> list[str]:
    """The pieces of a parameterised header, split on the semicolons outside quotes."""
    pieces: list[str] = []
    current: list[str] = []
    for token in _PARAM_TOKENS.finditer(value):
        text = token.group()
        if text != ";":
            current.append(text)
            continue
        pieces.append("".join(current))
        current = []
        if len(pieces) > _MAX_PARAMS:
            return pieces
    pieces.append("".join(current))
    return pieces


def _parameters(value: str) -> tuple[str, dict[str, str]]:
    """(the lower-case value before the first semicolon, its parameters decoded), the first
    of each name kept, RFC 2231 continuations and charsets understood."""
    pieces = _split_params(value)
    pairs: list[tuple[str, str]] = [(pieces[0].strip().lower(), "")]
    for piece in pieces[1:]:
        name, equals, raw = piece.partition("=")
        if equals and name.strip():
            pairs.append((name.strip().lower(), raw.strip()))
    params: dict[str, str] = {}
    decoded: list[tuple[str, Any]]
    try:
        decoded = email.utils.decode_params(pairs)
    except (TypeError, ValueError, LookupError):  # continuations numbered inconsistently
        decoded = list(pairs)
    for name, found in decoded[1:]:
        if name in params:
            continue
        try:
            text = email.utils.collapse_rfc2231_value(found)
        except (LookupError, UnicodeError, ValueError):
            text = found[2] if isinstance(found, tuple) else found
        # A charset-encoded value comes back quoted; a plain one was unquoted already.
        params[name] = email.utils.unquote(text) if isinstance(found, tuple) else text
    return pairs[0][0], params


@dataclass
class Part:
    """One part of the e-mail (the whole message too): what its headers say, its body as a
    span of the file, and its own parts when it is a multipart whose boundary was found."""

    raw: bytes = field(repr=False)
    start: int
    end: int
    content_type: str
    params: dict[str, str]
    disposition: str
    filename: str | None
    encoding: str
    content_id: str
    parts: list[Part] | None = None

    @property
    def maintype(self) -> str:
        return self.content_type.partition("/")[0]

    @property
    def subtype(self) -> str:
        return self.content_type.partition("/")[2]

    @property
    def is_attachment(self) -> bool:
        return self.disposition == "attachment"

    def payload(self) -> bytes:
        """The body, its transfer encoding (base64, quoted-printable) undone."""
        data = memoryview(self.raw)[self.start : self.end]
        if self.encoding == "base64":
            try:
                return binascii.a2b_base64(data)  # skips line breaks and other characters
            except binascii.Error:  # padding missing or misplaced: decode what is there
                clean = _NOT_BASE64.sub(b"", data)
                if len(clean) % 4 == 1:  # a lone last character decodes to nothing
                    clean = clean[:-1]
                return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))
        if self.encoding == "quoted-printable":
            return binascii.a2b_qp(data)
        return bytes(data)

    def text_content(self) -> str:
        """The body of a text part, in its charset (ASCII when none is said)."""
        content = self.payload()
        try:
            return content.decode(self.params.get("charset") or "us-ascii", errors="replace")
        except LookupError:
            return content.decode("utf-8", errors="replace")


def _address_specs(value: bytes) -> list[tuple[str, str, str]]:
    """(display name, user, domain) of each address of an address header; one without a
    domain is no address and is left out."""
    found: list[tuple[str, str, str]] = []
    for display, spec in email.utils.getaddresses([plain(value)]):
        username, at, domain = spec.rpartition("@")
        if at and username and domain:
            found.append((display, username, domain))
    return found


def _shown(specs: list[tuple[str, str, str]]) -> list[str]:
    """The addresses as they are shown: "Name <user@domain>", the name decoded."""
    shown: list[str] = []
    for display, username, domain in specs:
        try:
            address = Address(display_name=decoded_words(display), username=username, domain=domain)
        except ValueError:  # a line break in a name
            continue
        shown.append(str(address))
    return shown


@dataclass
class Message:
    """The e-mail: the headers the timeline reads, and its parts (`root`)."""

    root: Part
    head: bytes = field(repr=False)  # the message's header section
    senders: list[str]
    recipients: list[str]  # To, Cc then Bcc
    subject: str
    message_id: str
    date: datetime.datetime | None


class _Reader:
    """Reads the parts of one file, counting what the bounds count."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.parts = 0
        self.header_bytes = 0

    def headers(self, start: int, end: int) -> tuple[int, int]:
        """(end of the header section, start of the body) of the part at `start`."""
        window = min(end, start + MAX_HEADER_BYTES + 1)
        match = _HEADER_LINES.match(self.raw, start, window)
        header_end = match.end() if match else start
        if header_end - start > MAX_HEADER_BYTES:
            raise TooComplex("headers_too_large", MAX_HEADER_BYTES)
        self.header_bytes += header_end - start
        if self.header_bytes > MAX_ALL_HEADER_BYTES:
            raise TooComplex("all_headers_too_large", MAX_ALL_HEADER_BYTES)
        blank = _LINE_END.match(self.raw, header_end, end)  # the blank line after the headers
        return header_end, blank.end() if blank else header_end

    def field(self, name: str, start: int, end: int) -> bytes | None:
        """The first `name` header of the section, unfolded, or None."""
        found = _field_pattern(name).search(self.raw, start, end)
        if found is None:
            return None
        stop = _FIELD_END.search(self.raw, found.end(), end)
        value = self.raw[found.end() : stop.start() if stop else end]
        return _FOLD.sub(b"", value).strip(b" \t\r\n")

    def part(self, start: int, end: int, depth: int, default_type: str) -> tuple[Part, int]:
        """The part at [start, end) and the end of its header section."""
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise TooComplex("too_many_parts", MAX_PARTS)
        header_end, body = self.headers(start, end)
        content_type, params = default_type, dict[str, str]()
        declared = self.field("content-type", start, header_end)
        if declared is not None:
            content_type, params = _parameters(plain(declared))
            if content_type.count("/") != 1:
                content_type, params = "text/plain", {}
        disposition, disposition_params = "", dict[str, str]()
        value = self.field("content-disposition", start, header_end)
        if value is not None:
            disposition, disposition_params = _parameters(plain(value))
        filename = disposition_params.get("filename", params.get("name"))
        encoding = self.field("content-transfer-encoding", start, header_end) or b""
        content_id = self.field("content-id", start, header_end) or b""
        part = Part(
            raw=self.raw,
            start=body,
            end=end,
            content_type=content_type,
            params=params,
            disposition=disposition,
            filename=None if filename is None else decoded_words(filename[:_MAX_NAME]).strip(),
            encoding=encoding.decode("ascii", errors="replace").strip().lower(),
            content_id=plain(content_id),
        )
        boundary = params.get("boundary", "").rstrip()
        if part.maintype == "multipart" and 0 < len(boundary) <= _MAX_BOUNDARY:
            self.split(part, boundary.encode("utf-8", errors="surrogateescape"), depth + 1)
        return part, header_end

    def split(self, part: Part, boundary: bytes, depth: int) -> None:
        """Finds the parts of a multipart between its boundary lines. Without a first
        boundary line it stays a part of its own, its body what precedes the closing one."""
        if depth > MAX_DEPTH:
            raise TooComplex("too_deep", MAX_DEPTH)
        separator = re.escape(b"--" + boundary)
        # At the start of a line (the look-behind after the literal keeps the search fast).
        delimiter = re.compile(
            separator + rb"(?<![^\r\n]" + separator + rb")(--)?[ \t]*(?:\r\n|\r|\n|\Z)"
        )
        found = delimiter.finditer(self.raw, part.start, part.end)
        first = next(found, None)
        if first is None:
            return
        if first.group(1):  # closed before it opened
            part.end = first.start()
            return
        default = "message/rfc822" if part.subtype == "digest" else "text/plain"
        parts: list[Part] = []

        def add(begin: int, stop: int) -> None:
            parts.append(self.part(begin, self._before_line_end(begin, stop), depth, default)[0])

        begin = first.end()
        closed = False
        for line in found:
            if line.start() > begin:  # repeated boundary lines make no empty part
                add(begin, line.start())
            begin = line.end()
            if line.group(1):
                closed = True
                break
        if not closed and begin < part.end:  # never closed: the last part runs to the end
            add(begin, part.end)
        part.parts = parts

    def _before_line_end(self, start: int, end: int) -> int:
        """The end of a part's span: the line ending before a boundary line is the
        boundary's (RFC 2046), not the part's."""
        if end - start >= 2 and self.raw[end - 2 : end] == b"\r\n":
            return end - 2
        if end > start and self.raw[end - 1 : end] in (b"\r", b"\n"):
            return end - 1
        return end


_MESSAGE_FIELDS = ("from", "to", "cc", "bcc", "subject", "date", "message-id")


def _date(value: bytes | None) -> datetime.datetime | None:
    if value is None:
        return None
    try:
        return email.utils.parsedate_to_datetime(plain(value[:256]))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def read(raw: bytes) -> Message:
    """The e-mail in these bytes; TooComplex past a bound."""
    reader = _Reader(raw)
    root, header_end = reader.part(0, len(raw), 0, "text/plain")
    fields: dict[str, bytes] = {}
    for name in _MESSAGE_FIELDS:
        value = reader.field(name, 0, header_end)
        if value is not None:
            fields[name] = value
    recipients = [
        spec for name in ("to", "cc", "bcc") for spec in _address_specs(fields.get(name, b""))
    ]
    if len(recipients) > MAX_RECIPIENTS:
        raise TooComplex("too_many_recipients", MAX_RECIPIENTS)
    return Message(
        root=root,
        head=raw[:header_end],
        senders=_shown(_address_specs(fields.get("from", b""))[:1]),
        recipients=_shown(recipients),
        subject=decoded_words(plain(fields.get("subject", b"")[:_MAX_SUBJECT])),
        message_id=plain(fields.get("message-id", b"")),
        date=_date(fields.get("date")),
    )


# ---------------------------------------------------------------------------------------
# The body and the attachments, chosen as the email package's get_body and iter_attachments
# choose them.
# ---------------------------------------------------------------------------------------


def _bodies(part: Part, subtype: str) -> Iterator[Part]:
    if part.is_attachment:
        return
    if part.maintype == "text":
        if part.subtype == subtype:
            yield part
        return
    if part.maintype != "multipart" or not part.parts:
        return
    if part.subtype != "related":
        for sub in part.parts:
            yield from _bodies(sub, subtype)
        return
    # multipart/related: only its root, named by `start` or else the first part.
    start = part.params.get("start")
    root = next((sub for sub in part.parts if start and sub.content_id == start), part.parts[0])
    yield from _bodies(root, subtype)


def body(message: Message, subtype: str) -> Part | None:
    """The first text/`subtype` part that is the message's body, not an attachment."""
    return next(_bodies(message.root, subtype), None)


_BODY_TYPES = {"text/plain", "text/html", "multipart/related", "multipart/alternative"}


def attachments(message: Message) -> Iterator[Part]:
    """The parts of the message other than its body: those of its top-level multipart, but
    the first text/plain, text/html, multipart/related and multipart/alternative that are
    not marked as attachments (the body, in its forms)."""
    root = message.root
    if root.maintype != "multipart" or root.subtype == "alternative" or root.parts is None:
        return
    parts = list(root.parts)
    if root.subtype == "related":
        start = root.params.get("start")
        others = [part for part in parts if not start or part.content_id != start]
        yield from others if start and len(others) < len(parts) else parts[1:]
        return
    seen: set[str] = set()
    for part in parts:
        body_form = part.content_type in _BODY_TYPES and not part.is_attachment
        if body_form and part.subtype not in seen:
            seen.add(part.subtype)
            continue
        yield part
