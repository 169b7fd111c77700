"""Koza served by a real gunicorn (the container's config file) against the
test database, for faults that only a real server shows: signals to the
master, pooled database connections dropped under load."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

from django.conf import settings

from conftest import wait_for
from reliability.tests.private_redis import free_port


def database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Gunicorn:
    def __init__(self, tmp_path, *, workers: int = 2, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Its database connections carry this name, so a test can find them.
        self.app_name = f"koza-web-{uuid.uuid4().hex[:8]}"
        self.log_path = tmp_path / f"gunicorn-{self.port}.log"
        self.env = (
            os.environ
            | {
                "DEBUG": "1",
                "DATABASE_URL": database_url(),
                "PGAPPNAME": self.app_name,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            }
            | (env or {})
        )
        self.workers = workers
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "lms.wsgi:application",
             "-c", "docker/gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--access-logfile", "-",
             "--no-control-socket"],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self._answers, timeout=30, interval=0.1)

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()}")
        try:
            self.get("/healthz")
        except OSError:
            return False
        return True

    def get(self, path: str, *, cookies: str = "") -> int:
        request = urllib.request.Request(  # noqa: S310 (our own http URL)
            self.base + path, headers={"Cookie": cookies}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> set[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        return {int(pid) for pid in out.split()}
