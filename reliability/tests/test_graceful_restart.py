"""gunicorn is reloaded (HUP) and stopped (TERM) while learners are in the
middle of submitting: a submit whose body is still arriving finishes and is
saved either way; a reload refuses no connection at all.

The server is the container's own configuration (docker/gunicorn.conf.py)
against the test database; the compose file's stop grace period must
outlast gunicorn's graceful timeout, or Docker kills what it lets finish.
"""

import re
import runpy
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from quizzes.surveys.models import SurveyResponse
from reliability.tests.web_server import Gunicorn

CSRF = "k" * 32  # a CSRF secret: the cookie and the form field carry it


def test_docker_waits_longer_than_gunicorn_lets_requests_finish():
    config = runpy.run_path(str(Path(settings.BASE_DIR, "docker/gunicorn.conf.py")))
    compose = Path(settings.BASE_DIR, "docker-compose.yml").read_text()
    web = compose.split("\n  web:\n", 1)[1].split("\n  worker:\n", 1)[0]
    grace = re.search(r"stop_grace_period: (\d+)s", web)

    assert config["graceful_timeout"] >= 20
    assert grace, "the web service has no stop_grace_period"
    assert int(grace.group(1)) > config["graceful_timeout"]


class SlowSubmit:
    """A survey submit whose body arrives in two parts, the second after the
    test has signalled the server."""

    def __init__(self, server: Gunicorn, session: str, path: str, summary: str):
        self.body = urlencode({"summary": summary, "csrfmiddlewaretoken": CSRF})
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(self.body)}\r\n"
            f"Cookie: sessionid={session}; csrftoken={CSRF}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.sock.sendall(head.encode() + self.body[:20].encode())

    def finish(self) -> str:
        self.sock.sendall(self.body[20:].encode())
        response = b""
        while chunk := self.sock.recv(65536):
            response += chunk
        self.sock.close()
        return response.split(b"\r\n", 1)[0].decode()


def _signed_in_session(learner) -> str:
    client = Client()
    client.force_login(learner)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _refused(server: Gunicorn) -> bool:
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_reload_under_load_refuses_nothing_and_finishes_a_submit_in_flight(
    world, tmp_path, capsys
):
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL (the server reads the test database)")
    learner = world.users["learner"]
    server = Gunicorn(tmp_path, workers=2)
    server.start()
    before = server.worker_pids()
    statuses: list = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                statuses.append(server.get("/courses/llm/"))
            except OSError as exc:
                statuses.append(repr(exc))
            time.sleep(0.02)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    try:
        for thread in readers:
            thread.start()
        submit = SlowSubmit(
            server,
            _signed_in_session(learner),
            world.survey.get_absolute_url(),
            "Submitted across a reload.",
        )
        time.sleep(0.5)  # a worker is reading its body
        server.signal(signal.SIGHUP)
        time.sleep(2)
        status = submit.finish()
        deadline = time.monotonic() + 10
        while (after := server.worker_pids()) & before and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
        server.stop()

    with capsys.disabled():
        print(f"\n[gunicorn HUP] {len(statuses)} page loads across the reload")
    assert status == "HTTP/1.1 302 Found"
    response = SurveyResponse.objects.get(survey=world.survey, user=learner)
    assert response.summary == "Submitted across a reload."
    assert not before & after, "the old workers should have been replaced"
    assert len(statuses) >= 5  # fewer on a busy machine; none may fail
    assert [s for s in statuses if s != 200] == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_stop_lets_the_submit_in_flight_finish_and_then_exits(
    world, tmp_path, capsys
):
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL (the server reads the test database)")
    learner = world.users["learner"]
    server = Gunicorn(tmp_path, workers=2)
    server.start()
    try:
        submit = SlowSubmit(
            server,
            _signed_in_session(learner),
            world.survey.get_absolute_url(),
            "Submitted while the server stops.",
        )
        time.sleep(0.5)
        server.signal(signal.SIGTERM)
        time.sleep(1)
        refused = _refused(server)  # not queued, to be reset at the exit
        status = submit.finish()
        start = time.monotonic()
        server.process.wait(timeout=35)
        exited_after = time.monotonic() - start
    finally:
        server.stop()

    with capsys.disabled():
        print(f"\n[gunicorn TERM] exited {exited_after:.1f}s after the submit")
    assert status == "HTTP/1.1 302 Found"
    response = SurveyResponse.objects.get(survey=world.survey, user=learner)
    assert response.summary == "Submitted while the server stops."
    assert refused
    assert server.process.returncode == 0
