"""PostgreSQL closes pooled connections (a restart, an operator's
pg_terminate_backend, an idle timeout on the way) while learners keep
loading pages: the pool checks each connection as it hands it out and
replaces a dead one, so no request sees it."""

import threading
import time

import pytest
from django.db import connection

from reliability.tests.web_server import Gunicorn

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timing,
]

# Pages that read the database. Not /healthz: it also asks Redis and the
# broker within REDIS_TIMEOUT, which a busy CI machine can miss (a 503 that
# has nothing to do with the database).
PAGES = ["/", "/courses/llm/"]


def _terminate_idle_connections(app_name: str) -> int:
    """Kill the server's pooled connections that sit idle in its pool. The
    caller holds every learner back while this runs: pg_stat_activity shows
    a request between two queries as 'idle' too, and killing that one fails
    the request whatever the pool does (an age threshold could not tell
    them apart: a loaded 2-core machine renders for a few hundred
    milliseconds between two queries, while the pool hands out its
    connections in turn, so none sits idle for long)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s "
            "AND state = 'idle'",
            [app_name],
        )
        return cursor.fetchone()[0]


def test_pooled_connections_killed_under_load_cost_no_request(course, tmp_path, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    server = Gunicorn(
        tmp_path, workers=2, env={"DATABASE_POOL_MIN": "6", "DATABASE_POOL_MAX": "8"}
    )
    server.start()
    statuses: list[int | str] = []
    took: list[float] = []
    stop = threading.Event()

    learners = 4
    in_flight = threading.Semaphore(learners)  # one permit per request

    def learner(offset: int) -> None:
        n = offset
        while not stop.is_set():
            start = time.monotonic()
            with in_flight:
                try:
                    statuses.append(server.get(PAGES[n % len(PAGES)]))
                except OSError as exc:
                    statuses.append(repr(exc))
            took.append(time.monotonic() - start)
            n += 1
            time.sleep(0.1)

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(learners)]
    try:
        for thread in threads:
            thread.start()
        killed = []
        for _ in range(8):
            time.sleep(0.5)
            for _ in range(learners):  # wait until no request is in flight
                in_flight.acquire()
            try:
                killed.append(_terminate_idle_connections(server.app_name))
            finally:
                in_flight.release(learners)  # the next requests meet the dead ones
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.stop()

    with capsys.disabled():
        print(
            f"\n[pg_terminate_backend] {sum(killed)} pooled connections killed in "
            f"8 rounds; {len(statuses)} requests, "
            f"{sum(s != 200 for s in statuses)} failed, slowest {max(took):.3f}s"
        )
    assert sum(killed) >= 8, killed
    assert len(statuses) > 50
    assert [s for s in statuses if s != 200] == []
    assert max(took) < 5  # far from the 10 s PoolTimeout of a back-off
