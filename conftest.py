"""Shared test fixtures.

Tests run against whatever DATABASE_URL/REDIS_URL point at (SQLite and local
memory when unset). Tests marked `services` need the real PostgreSQL and
Redis and are skipped, with the reason shown, when they are not configured.

Celery runs tasks in-process during tests unless a test asks for a real
worker with the `celery_worker` fixture (then tasks go through Redis to a
separate worker process reading the same test database).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache

from accounts.models import User
from courses.models import Course, CourseRole, Enrollment, Lecture
from lms.celery import app as celery_app

SERVICES = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))
# One private queue for the whole test session, set before anything is
# published: Celery's router keeps the queue it first saw, so switching queues
# per test would strand later tests' messages on an unwatched queue.
TEST_QUEUE = f"koza-test-{uuid.uuid4().hex[:8]}"
TEST_HEAVY_QUEUE = f"{TEST_QUEUE}-heavy"
celery_app.conf.task_default_queue = TEST_QUEUE
celery_app.conf.task_routes = {
    name: {"queue": TEST_HEAVY_QUEUE} for name in settings.HEAVY_TASKS
}
PASSWORD = "correct-horse-battery-9"  # noqa: S105


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs DATABASE_URL and REDIS_URL (real services)")
    for item in items:
        if "services" in item.keywords and not SERVICES:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup):
    """Close PostgreSQL connection pools before the test database is dropped
    (a pooled connection would otherwise keep it "in use")."""
    yield
    from django.db import connections

    for connection in connections.all():
        if hasattr(connection, "close_pool"):
            connection.close_pool()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create hundreds of users; real password hashing is for bench/."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache_and_eager_tasks():
    """Each test starts with an empty cache (rate limits included) and runs
    Celery tasks in-process; `celery_worker` switches to a real worker."""
    _clear_cache()
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def _clear_cache() -> None:
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        client = cache._cache.get_client(write=True)
        keys = list(
            client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*")
        )
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def make_user(email: str, *, verified: bool = True, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def user_factory(db):
    counter = iter(range(1, 1_000_000))

    def factory(**extra) -> User:
        n = next(counter)
        email = extra.pop("email", f"user{n}-{uuid.uuid4().hex[:6]}@example.com")
        extra.setdefault("display_name", f"User {n}")
        return make_user(email, **extra)

    return factory


@pytest.fixture
def course(db) -> Course:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    course = Course.objects.create(
        slug="llm",
        title="Large Language Models",
        description="An **open** course.",
        term="2026 Autumn",
        capacity=100,
        applications_open_at=now - timedelta(days=10),
        applications_close_at=now + timedelta(days=10),
        state=Course.State.RUNNING,
    )
    for n in range(1, 4):
        Lecture.objects.create(
            course=course,
            number=n,
            title=f"Lecture {n}",
            starts_at=now + timedelta(weeks=n - 2),
            published=True,
        )
    return course


@pytest.fixture
def other_course(db) -> Course:
    from django.utils import timezone

    return Course.objects.create(
        slug="other",
        title="Another course",
        state=Course.State.RUNNING,
        applications_open_at=timezone.now(),
    )


def _enroll(user: User, course: Course, status=Enrollment.Status.APPROVED):
    return Enrollment.objects.create(user=user, course=course, status=status)


@pytest.fixture
def learner(user_factory, course) -> User:
    """An approved learner of `course`."""
    user = user_factory(email="learner@example.com", display_name="Hanako Learner")
    _enroll(user, course)
    return user


@pytest.fixture
def applicant(user_factory, course) -> User:
    """Applied to `course`, not approved yet."""
    user = user_factory(email="applicant@example.com")
    _enroll(user, course, Enrollment.Status.APPLIED)
    return user


@pytest.fixture
def other_learner(user_factory, other_course) -> User:
    """An approved learner of another course."""
    user = user_factory(email="other-learner@example.com")
    _enroll(user, other_course)
    return user


@pytest.fixture
def staff(user_factory, course) -> User:
    user = user_factory(email="staff@example.com", display_name="Taro Staff")
    CourseRole.objects.create(course=course, user=user, role=CourseRole.Role.STAFF)
    return user


@pytest.fixture
def course_admin(user_factory, course) -> User:
    user = user_factory(email="admin@example.com", display_name="Ada Admin")
    CourseRole.objects.create(course=course, user=user, role=CourseRole.Role.ADMIN)
    return user


@pytest.fixture
def other_staff(user_factory, other_course) -> User:
    """Staff of another course."""
    user = user_factory(email="other-staff@example.com")
    CourseRole.objects.create(
        course=other_course, user=user, role=CourseRole.Role.STAFF
    )
    return user


class WorkerPool:
    """Real `celery worker` processes on a private queue of the test broker,
    reading the test database. Start, SIGKILL and restart them at will."""

    def __init__(self, tmp_path: Path):
        self.queue = TEST_QUEUE
        self.heavy_queue = TEST_HEAVY_QUEUE
        self.processes: list[subprocess.Popen] = []
        self.tmp_path = tmp_path
        db = settings.DATABASES["default"]
        self.env = os.environ | {
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@"
                f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "DATABASE_POOL": "0",
            "CELERY_QUEUE": self.queue,
            "CELERY_HEAVY_QUEUE": self.heavy_queue,
            "DEBUG": "1",
        }

    def start(
        self,
        *,
        timeout: float = 30,
        extra_env: dict | None = None,
        queues: tuple[str, ...] | None = None,
    ):
        """A worker on both test queues (default and heavy), as `make worker`
        runs, unless `queues` names some."""
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        queues = queues or (self.queue, self.heavy_queue)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lms", "worker",
             "--pool=solo", "-Q", ",".join(queues), "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"{self.queue}-{len(self.processes)}@%h"],
            env=self.env | (extra_env or {}),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )  # fmt: skip
        process.log_path = log
        self.processes.append(process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in log.read_text(errors="replace"):
                return process
            if process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start:\n{log.read_text()}")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: the worker dies without acknowledging or cleaning up."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real worker on Redis; tasks sent during the test go to it.

    Needs `services` (PostgreSQL and Redis). Use with transactional tests: the
    worker only sees committed rows.
    """
    if not SERVICES:
        pytest.skip("needs DATABASE_URL and REDIS_URL (real services)")
    pool = WorkerPool(tmp_path)
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # nothing left over from an earlier test
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(TEST_HEAVY_QUEUE)
    pool.start()
    try:
        yield pool
    finally:
        pool.stop_all()
        celery_app.conf.task_always_eager = True


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {predicate}")


# Skip reasons that mean "this test needs the real services".
NEEDS_SERVICES = ("PostgreSQL", "DATABASE_URL")


def pytest_unconfigure(config):
    """Say last, plainly, what a run without the services left out (the
    one-statement submit, certification re-runs, real workers)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = {
        report.nodeid
        for report in reporter.stats.get("skipped", [])
        if any(word in str(report.longrepr) for word in NEEDS_SERVICES)
    }
    if skipped:
        reporter.write_line(
            f"{len(skipped)} tests need PostgreSQL and Redis and were skipped: run "
            "them with DATABASE_URL=postgres://USER@HOST:5432/DB "
            "REDIS_URL=redis://HOST:6379/0 make test (see README, Contributing)",
            yellow=True,
            bold=True,
        )
