"""`portefeuille serve`: the whole application in one command (what `make run` calls).

Migrates the database, creates the demo firm when there is no firm yet (development), then
runs gunicorn and one task worker (`db_worker`) as child processes until stopped.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from argparse import BooleanOptionalAction
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from portefeuille.firms.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_FIRM_NAME,
    DEMO_PASSWORD,
    build_demo,
    demo_firm,
)
from portefeuille.firms.models import Colleague, Firm


class _Stop(Exception):
    """Raised from the SIGTERM handler to leave the supervision loop."""


class Command(BaseCommand):
    help = "Migrates, creates the demo firm on first start (development), and serves the site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
        parser.add_argument("--threads", type=int, default=2, help="threads per process")
        parser.add_argument(
            "--task-worker",
            action=BooleanOptionalAction,
            default=True,
            help="Run a task worker beside the web server (default: yes).",
        )
        parser.add_argument(
            "--demo",
            action=BooleanOptionalAction,
            default=None,
            help="Create the demo firm when there is no firm (default: in development only).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        web_workers: int,
        threads: int,
        task_worker: bool,
        demo: bool | None,
        **options: Any,
    ) -> None:
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.WHITENOISE_USE_FINDERS:
            call_command("collectstatic", interactive=False, verbosity=0)
        if (settings.DEV if demo is None else demo) and not Firm.objects.exists():
            self.stdout.write(f"Creating the demo firm {DEMO_FIRM_NAME}…")
            build_demo()
        sign_in = self.demo_sign_in()
        # The children open their own connections; ours must not be shared with them.
        connections.close_all()

        address = f"http://{host}:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Portefeuille is running at {address}"))
        if sign_in:
            self.stdout.write(f"Demo sign-in: {sign_in[0]}  password: {sign_in[1]}")
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.write("")
        self.stdout.flush()
        self.serve(host, port, web_workers, threads, task_worker)

    def demo_sign_in(self) -> tuple[str, str] | None:
        """The demo admin's sign-in, if the demo firm exists and it still works."""
        firm = demo_firm()
        if firm is None:
            return None
        admin = Colleague.objects.filter(firm=firm, email=DEMO_ADMIN_EMAIL, is_active=True).first()
        if admin is None or not admin.check_password(DEMO_PASSWORD):
            return None
        return DEMO_ADMIN_EMAIL, DEMO_PASSWORD

    def serve(
        self, host: str, port: int, web_workers: int, threads: int, task_worker: bool
    ) -> None:
        children: list[subprocess.Popen[bytes]] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            raise _Stop

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            if task_worker:
                worker = subprocess.Popen([sys.executable, "-m", "portefeuille.cli", "db_worker"])
                children.append(worker)
                self.stdout.write(f"Task worker started (pid {worker.pid}).")
            server = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(web_workers),
                    "--threads",
                    str(threads),
                    "--graceful-timeout",
                    "5",
                    "--access-logfile",
                    "-",
                    # One control socket per user home would clash between two instances.
                    "--no-control-socket",
                    "portefeuille.wsgi:application",
                ]
            )
            children.append(server)
            self.stdout.write(f"Web server started (pid {server.pid}).")
            self.stdout.flush()
            while True:
                exited = [child for child in children if child.poll() is not None]
                if exited:
                    raise CommandError(
                        f"{'The web server' if exited[0] is server else 'The task worker'} "
                        f"stopped (exit code {exited[0].returncode}); stopping."
                    )
                time.sleep(0.5)
        except (KeyboardInterrupt, _Stop):
            self.stdout.write("Stopping…")
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stop_children(children)

    @staticmethod
    def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
