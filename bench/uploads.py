"""`python -m bench.uploads [--repeat 9]` (part of `make bench`): hostile uploads against an
ordinary one, through the real routes, on a fresh SQLite file.

A zip of half a megabyte whose `mimetype` entry unpacks to 500 MiB (built on the fly, see
portefeuille/testing/archives.py) is uploaded through the documents page and the API, and
inside an .eml through the API; so are a zip whose Zip64 records hide 100,000 entries from
its end record, a text of two 32 KB lines that looks like a CSV, and hostile .eml files: 100,000
tiny parts, 8 MB of short lines, an HTML body of unclosed tags, a To header of comments.
The baselines are an ordinary small DOCX (and an .eml carrying it) sent the same way, in the
same run. Each scenario runs in its own process: after a warm-up request, the extra peak
memory of one request is measured twice — the process's resident peak (VmHWM reset through
/proc/self/clear_refs, else ru_maxrss) and Python's allocations (tracemalloc) — then wall
time over `--repeat` requests (median, p95). The memory includes the test client's own
copies of the body (about three times the upload). Target: every hostile upload answered in
under 1 s with under 50 MB of extra memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0
TARGET_MB = 50.0
# name: (route, payload, status expected, hostile?)
SCENARIOS: dict[str, tuple[str, str, int, bool]] = {
    "page, small DOCX": ("page", "docx", 302, False),
    "page, 500 MiB zip bomb": ("page", "bomb", 400, True),
    "API, small DOCX": ("api", "docx", 201, False),
    "API, 500 MiB zip bomb": ("api", "bomb", 422, True),
    "API, .eml with a DOCX": ("api-eml", "docx", 201, False),
    "API, .eml with the bomb": ("api-eml", "bomb", 201, True),
    "API, Zip64 hiding entries": ("api", "zip64", 422, True),
    "API, 64 KB CSV-like text": ("api", "csvish", 201, True),
    "API, .eml of 100,000 parts": ("api-raw-eml", "parts", 422, True),
    "API, .eml of short lines": ("api-raw-eml", "lines", 201, True),
    "API, .eml of unclosed HTML": ("api-raw-eml", "html", 201, True),
    "API, .eml, To of comments": ("api-raw-eml", "comments", 201, True),
}


def _environment(folder: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'uploads.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "PORTEFEUILLE_DEV": os.environ.get("PORTEFEUILLE_DEV", "1"),
        "DJANGO_SETTINGS_MODULE": "portefeuille.settings",
    }


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM to the current resident size (Linux)
    except OSError:
        return False
    return True


def extra_peak_mb(action: Callable[[], object]) -> float:
    """The resident memory the action added at its peak, in MB."""
    if _reset_peak():
        before = _rss_kib("VmRSS") or 0
        action()
        return ((_rss_kib("VmHWM") or 0) - before) / 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    action()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def traced_peak_mb(action: Callable[[], object]) -> float:
    """Python's allocations at the action's peak, in MB."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()


def _payloads() -> dict[str, tuple[str, bytes]]:
    from portefeuille.testing.archives import deflated, write_zip, zip_bomb

    docx = write_zip(
        [
            deflated("[Content_Types].xml", "<Types/>"),
            deflated("_rels/.rels", "<Relationships/>"),
            deflated(
                "word/document.xml", "<w:document>" + "<w:p>Bilan</w:p>" * 2000 + "</w:document>"
            ),
        ]
    )
    head = b"From: elodie@exemple.fr\r\nTo: contact@cabinet.fr\r\nSubject: Essai\r\n"
    tiny = b"--b\r\nContent-Disposition: attachment\r\n\r\nx\r\n"
    return {
        "docx": ("bilan.docx", docx),
        "bomb": ("rapport.odt", zip_bomb()),
        "zip64": ("rapport.docx", _zip64_hiding_entries(100_000)),
        "csvish": ("export.csv", (',"a' * 10_900 + "\n" + ',"a' * 10_900).encode()),
        "parts": (
            "message.eml",
            head + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + tiny * 100_000,
        ),
        "lines": ("message.eml", head + b"\r\n" + b"x\r\n" * 2_700_000),
        "html": (
            "message.eml",
            head + b"Content-Type: text/html\r\n\r\n<p>Bonjour</p>" + b"<a " * 6_000,
        ),
        "comments": (
            "message.eml",
            head.replace(b"To: ", b"To: " + b"(a)" * 5_400 + b" ") + b"\r\nCorps\r\n",
        ),
    }


def _zip64_hiding_entries(entries: int) -> bytes:
    """A zip whose end record counts one entry, while the Zip64 record zipfile reads (just
    before a locator the end record does not announce) declares `entries` more."""
    import struct

    central = struct.Struct("<4s6H3L5H2L")
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    body = local + central.pack(b"PK\x01\x02", 20, 20, *[0] * 14) * entries
    small = central.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 0, 76, 0, 0, 0, 0, 0)
    at = len(body) + len(small)
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries + 1, entries + 1,
        at - len(local), len(local),
    )  # fmt: skip
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(small) + 76, len(body), 0)
    return body + small + record + locator + end


def _eml(name: str, content: bytes) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Élodie Lefèvre <elodie@exemple.fr>"
    message["To"] = "Cabinet <contact@cabinet.fr>"
    message["Subject"] = "Pièce jointe"
    message["Date"] = "Tue, 14 Oct 2025 09:30:00 +0200"
    message.set_content("Bonjour,\nci-joint le document.")
    message.add_attachment(content, maintype="application", subtype="zip", filename=name)
    return message.as_bytes()


def child(scenario: str, repeat: int, ids: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from portefeuille.firms.models import Colleague

    route, payload, expected, _hostile = SCENARIOS[scenario]
    name, content = _payloads()[payload]
    colleague = Colleague.objects.get(pk=ids["colleague"])
    client = Client(HTTP_HOST="localhost")
    headers: dict[str, str] = {}
    if route == "page":
        client.force_login(colleague)
        url = f"/contacts/{ids['client']}/documents/upload/"
    else:
        headers = {"Authorization": f"Bearer {ids['token']}"}
        url = f"/api/v1/contacts/{ids['client']}/documents"
    if route in ("api-eml", "api-raw-eml"):
        url = f"/api/v1/contacts/{ids['client']}/timeline/emails"
    counter = iter(range(10_000))

    def upload() -> None:
        if route == "api-eml":
            # A new Message-ID each time: the same e-mail is logged only once per contact.
            raw = _eml(name, content).replace(
                b"Subject:",
                f"Message-ID: <bench-{next(counter)}-{time.time_ns()}@x>\nSubject:".encode(),
                1,
            )
            sent = SimpleUploadedFile("message.eml", raw, "message/rfc822")
        elif route == "api-raw-eml":
            unique = f"Message-ID: <bench-{next(counter)}-{time.time_ns()}@x>\r\n".encode()
            sent = SimpleUploadedFile(name, unique + content, "message/rfc822")
        else:
            sent = SimpleUploadedFile(name, content, "application/octet-stream")
        response = client.post(url, {"file": sent}, headers=headers)
        assert response.status_code == expected, (
            scenario,
            response.status_code,
            response.content[:300],
        )
        if route == "api-eml" and payload == "bomb":
            assert response.json()["skipped_attachments"] == [name], response.content[:300]

    upload()  # warm-up: imports, templates, connections
    extra = extra_peak_mb(upload)
    traced = traced_peak_mb(upload)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        upload()
        times.append(time.perf_counter() - started)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]
    return {
        "size": len(content),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": p95 * 1000,
        "extra_rss_mb": extra,
        "traced_mb": traced,
    }


def prepare(folder: Path) -> dict[str, Any]:
    """Migrates a fresh database and creates a firm, an admin, a client and a token."""
    import django

    django.setup()
    from django.core.management import call_command

    from portefeuille.firms.services import create_api_token
    from portefeuille.testing.factories import AdminFactory, FirmFactory, PersonFactory

    call_command("migrate", verbosity=0, interactive=False)
    firm = FirmFactory.create(name="Cabinet Banc d'essai")
    admin = AdminFactory.create(firm=firm)
    person = PersonFactory.create(firm=firm)
    _token, secret = create_api_token(actor=admin, name="bench")
    return {"colleague": admin.pk, "client": person.pk, "token": secret}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.uploads")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.repeat, json.loads(args.ids))))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="portefeuille-bench-uploads-"))
    environment = {**os.environ, **_environment(folder)}
    os.environ.update(_environment(folder))
    ids = prepare(folder)
    results: dict[str, dict[str, Any]] = {}
    for scenario in SCENARIOS:
        command = [sys.executable, "-m", "bench.uploads", "--child", scenario]
        command += ["--repeat", str(args.repeat), "--ids", json.dumps(ids)]
        done = subprocess.run(  # noqa: S603 — our own module, our own arguments
            command, env=environment, cwd=REPO, capture_output=True, text=True, check=False
        )
        if done.returncode:
            print(done.stdout, done.stderr, file=sys.stderr)
            return done.returncode
        results[scenario] = json.loads(done.stdout.strip().splitlines()[-1])

    print(
        f"\nUploads on SQLite, one process per scenario: wall time over {args.repeat} requests "
        "after a warm-up, extra peak memory of one request (resident / Python allocations)"
    )
    print(f"  {'scenario':28} {'upload':>9} {'median':>9} {'p95':>9} {'+RSS':>8} {'+Python':>8}")
    for scenario, row in results.items():
        print(
            f"  {scenario:28} {row['size'] / 1024:7.1f} KB {row['median_ms']:7.1f} ms "
            f"{row['p95_ms']:7.1f} ms {row['extra_rss_mb']:5.1f} MB {row['traced_mb']:5.1f} MB"
        )
    print("\n  hostile upload / its baseline (same route):")
    failed = False
    for scenario, (route, _payload, _status, hostile) in SCENARIOS.items():
        if not hostile:
            continue
        baseline = next(
            results[name]
            for name, (other, payload, _s, bad) in SCENARIOS.items()
            if other == route.replace("api-raw-eml", "api-eml") and not bad and payload == "docx"
        )
        row = results[scenario]
        ok = row["p95_ms"] < TARGET_SECONDS * 1000 and row["extra_rss_mb"] < TARGET_MB
        failed = failed or not ok
        print(
            f"  {scenario:28} time x{row['median_ms'] / baseline['median_ms']:4.2f}, "
            f"resident x{row['extra_rss_mb'] / max(baseline['extra_rss_mb'], 0.1):4.1f}  "
            f"{'OK' if ok else 'OVER TARGET'} (target: < {TARGET_SECONDS:g} s, < {TARGET_MB:g} MB)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
