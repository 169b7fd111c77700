"""Redis stopped or frozen costs a cache miss, never a failed or hung page.

These run without any service: a closed port stands for a stopped Redis, and
a socket that accepts connections and never answers stands for a frozen one
(SIGSTOP looks exactly like that to a client). The same faults on a real
redis-server, with workers and the sweeps, are in
reliability/tests/test_redis_outage.py.
"""

import json
import socket
import time

import pytest
from django.urls import reverse

from conftest import PASSWORD
from lms.cache import CircuitBreaker
from lms.celery import app as celery_app
from lms.ratelimit import is_rate_limited

pytestmark = [pytest.mark.django_db, pytest.mark.timing]


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never says a word: a frozen Redis."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.fixture
def closed_port():
    """Nothing listens: a stopped Redis (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _redis_at(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "lms.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "koza",
            "OPTIONS": {
                "socket_connect_timeout": settings.REDIS_TIMEOUT,
                "socket_timeout": settings.REDIS_TIMEOUT,
                "breaker_seconds": settings.REDIS_BREAKER_SECONDS,
            },
        }
    }
    settings.SESSION_ENGINE = "lms.sessions"
    CircuitBreaker.reset_all()


def _signed_in_pages(client, learner, count: int) -> list[float]:
    urls = ["/", "/courses/llm/", "/courses/llm/lectures/1/", "/courses/llm/progress/"]
    took = []
    for n in range(count):
        start = time.monotonic()
        response = client.get(urls[n % len(urls)])
        took.append(time.monotonic() - start)
        assert response.status_code == 200, urls[n % len(urls)]
        assert learner.display_name in response.content.decode()
    return took


def test_signed_in_pages_work_when_redis_refuses_connections(
    client, settings, learner, closed_port
):
    client.force_login(learner)
    # One pass while Redis is up: a process's first request compiles the
    # templates and loads the URL map, a cost that is not the outage's.
    _signed_in_pages(client, learner, 4)
    _redis_at(settings, closed_port)

    took = _signed_in_pages(client, learner, 20)

    assert max(took) < 1


def test_a_frozen_redis_costs_one_short_timeout_then_pages_answer_at_once(
    client, settings, learner, silent_server
):
    settings.REDIS_TIMEOUT = 0.3
    _redis_at(settings, silent_server)
    client.force_login(learner)  # its cache write times out and trips the breaker
    CircuitBreaker.reset_all()

    took = _signed_in_pages(client, learner, 20)

    # The first page waits for one timeout; the breaker answers the rest.
    assert 0.3 <= took[0] < 1.5
    assert max(took[1:]) < 0.5


def test_signing_in_and_out_and_rate_limits_work_without_redis(
    client, settings, learner, closed_port, rf
):
    _redis_at(settings, closed_port)

    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert learner.display_name in client.get("/").content.decode()
    assert client.post(reverse("account_logout")).status_code == 302
    assert learner.display_name not in client.get("/").content.decode()
    # Our own limiter lets requests through rather than failing them.
    request = rf.get("/")
    assert not any(
        is_rate_limited(request, action="test", limit=1, period=60) for _ in range(3)
    )


def test_healthz_names_a_frozen_redis_within_a_second_or_two(
    client, settings, silent_server
):
    _redis_at(settings, silent_server)
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = silent_server
    celery_app.conf.task_always_eager = False
    try:
        start = time.monotonic()
        response = client.get("/healthz")
        took = time.monotonic() - start
    finally:
        celery_app.conf.broker_url = previous
        celery_app.conf.task_always_eager = True

    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["cache"] == checks["broker"] == "error"
    assert checks["database"] == "ok"
    assert took < 2 * settings.REDIS_TIMEOUT + 4  # 43 s before; a busy CI is slower


@pytest.mark.parametrize("broker", ["closed_port", "silent_server"])
def test_enqueuing_after_commit_gives_up_quickly_when_the_broker_is_away(
    request, broker, settings, django_capture_on_commit_callbacks, caplog
):
    """The request that committed is answered; the sweep sends the task."""
    from lms.tasks import job_worker_selftest

    url = request.getfixturevalue(broker)
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    celery_app._pool = celery_app.amqp._producer_pool = None
    CircuitBreaker.reset_all()
    took = []
    try:
        for _ in range(3):
            start = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                job_worker_selftest.delay_on_commit(job_id="1")
            took.append(time.monotonic() - start)
    finally:
        celery_app.conf.broker_url = previous
        celery_app.conf.task_always_eager = True
        celery_app._pool = celery_app.amqp._producer_pool = None
        CircuitBreaker.reset_all()

    # Two tries within the timeout each, then the breaker skips at once.
    assert took[0] < 4 * settings.REDIS_TIMEOUT + 1
    assert max(took[1:]) < 0.05
    assert "the periodic sweep" in caplog.text
