"""pytest plugin loaded with `-p` (before Django reads its settings), and a throwaway
PostgreSQL cluster (`start_cluster()`) that the suite and the benchmark both use.

With PORTEFEUILLE_TEST_DB=postgresql the controlling pytest process starts a cluster from
the installed binaries, points DATABASE_URL at it (xdist workers inherit the variable) and
stops it at the end. With PORTEFEUILLE_TEST_DB=sqlite the suite runs on SQLite whatever
DATABASE_URL says. Unset, the suite uses DATABASE_URL (SQLite under var/ by default).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("PORTEFEUILLE_DEV", "1")
# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=200"
)


class ClusterError(RuntimeError):
    """The PostgreSQL binaries are missing or the cluster did not start."""


def find_binaries() -> tuple[Path, Path] | None:
    """`initdb` and `pg_ctl`, from PATH or the newest /usr/lib/postgresql/*/bin; None if absent."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb), Path(pg_ctl)

    def major(path: str) -> int:
        version = Path(path).parent.name
        return int(version) if version.isdigit() else 0

    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major, reverse=True):
        candidates = Path(bindir) / "initdb", Path(bindir) / "pg_ctl"
        if all(os.access(c, os.X_OK) for c in candidates):
            return candidates
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_cluster_owner(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the `postgres` user then.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class Cluster:
    """A running throwaway cluster. `url` is a DATABASE_URL for its `postgres` database."""

    directory: Path
    port: int
    pg_ctl: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def stop(self) -> None:
        """Stops the server at once and removes its files; calling it twice is harmless."""
        if self._stopped:
            return
        self._stopped = True
        subprocess.run(  # noqa: S603
            _as_cluster_owner(
                [str(self.pg_ctl), "-D", str(self.data_dir), "-m", "immediate", "stop"]
            ),
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def start_cluster() -> Cluster:
    """Initialises and starts a cluster in a new temporary directory, with trust auth on
    127.0.0.1 and durability switched off (it is thrown away). Raises ClusterError."""
    binaries = find_binaries()
    if binaries is None:
        raise ClusterError("PostgreSQL binaries (initdb, pg_ctl) not found")
    initdb, pg_ctl = binaries
    directory = Path(tempfile.mkdtemp(prefix="portefeuille-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    data_dir = directory / "data"
    base = [str(initdb), "-D", str(data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    # C.UTF-8 keeps lower()/upper() right for accented letters; C is the fallback everywhere.
    for locale_options in (["--locale=C.UTF-8"], ["--no-locale"]):
        result = subprocess.run(  # noqa: S603
            _as_cluster_owner([*base, *locale_options]),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode == 0:
            break
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        shutil.rmtree(directory, ignore_errors=True)
        raise ClusterError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    port = _free_port()
    cluster = Cluster(directory=directory, port=port, pg_ctl=pg_ctl)
    options = f"-p {port} -k {directory} {SERVER_OPTIONS}"
    log = directory / "server.log"
    result = subprocess.run(  # noqa: S603
        _as_cluster_owner(
            [
                str(pg_ctl),
                "-D",
                str(data_dir),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=90,
    )
    if result.returncode != 0:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        cluster.stop()
        raise ClusterError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{server_log}")
    return cluster


# --- pytest plugin ---------------------------------------------------------------------

_cluster: Cluster | None = None


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    # A wrapper runs before every other implementation, pytest-django's included, which
    # reads the settings (and so DATABASE_URL).
    global _cluster
    database = os.environ.get("PORTEFEUILLE_TEST_DB", "").strip().lower()
    if database == "sqlite":
        # A file, never ":memory:", so that no connection is ever shared between threads.
        directory = Path(tempfile.mkdtemp(prefix="portefeuille-test-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'portefeuille.sqlite3'}"
    elif database in {"postgresql", "postgres"} and "PYTEST_XDIST_WORKER" not in os.environ:
        _cluster = start_cluster()
        atexit.register(_cluster.stop)
        os.environ["DATABASE_URL"] = _cluster.url
    elif database not in {"", "postgresql", "postgres"}:
        raise pytest.UsageError(
            f"PORTEFEUILLE_TEST_DB must be sqlite or postgresql, not {database!r}"
        )
    return (yield)


_sqlite_dir: Path | None = None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # The SQLite test database is a file, not Django's default shared in-memory database:
    # that one lives only while some connection to it is open, and Playwright runs an event
    # loop in the test thread, which makes Django open new connections there (asgiref's
    # thread-critical locals turn into context variables). A file is also what `make run`
    # and a one-machine deployment use (WAL, IMMEDIATE transactions, busy timeout).
    global _sqlite_dir
    from django.conf import settings

    if not settings.configured:
        return
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get(
        "NAME"
    ):
        _sqlite_dir = Path(tempfile.mkdtemp(prefix="portefeuille-test-"))
        # pytest-django appends the xdist worker's name (`_gw0`) to this name.
        database.setdefault("TEST", {})["NAME"] = str(_sqlite_dir / "test.sqlite3")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cluster is not None:
        _cluster.stop()
    if _sqlite_dir is not None:
        shutil.rmtree(_sqlite_dir, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> str:
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    try:
        with config.stash[blocking_manager_key].unblock():
            connection.ensure_connection()
            if connection.vendor == "postgresql":
                number: int = connection.pg_version  # type: ignore[attr-defined]
                version = f"{number // 10000}.{number % 10000}"
            else:
                import sqlite3

                version = sqlite3.sqlite_version
            connection.close()
    except Exception as error:  # the header must never stop the run; the tests will say why
        return f"database: {connection.vendor} (unreachable: {error})"
    return f"database: {connection.vendor} {version}"


if __name__ == "__main__":
    # `python -m portefeuille.testing.pgcluster`: exits 0 when PostgreSQL binaries exist.
    import sys

    found = find_binaries()
    print(found[0].parent if found else "no PostgreSQL binaries")
    sys.exit(0 if found else 1)
