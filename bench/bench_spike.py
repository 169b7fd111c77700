"""Deadline spike: learners doing the weekly flow against gunicorn + Celery.

Builds a course with seed_scale (--learners, 4,000 by default; 100,000 for
issue 23; BENCH_SMOKE: 40), picks --flows learners spread evenly over the
cohort (3,000 by default: the same window whatever the cohort, so 4,000 and
100,000 enrolled are compared on the same amount of work), makes a session
for each beforehand (they stay logged in for the term),
starts gunicorn with production settings (DEBUG off, 3 sync workers) and a
real Celery worker, and drives it with Locust as a library (bench/
spike_load.py, FastHttpUser, a few users, its CPU reported). Phases, each in
the same run on the same server:

  floor (a)  GET a view that touches no database
  floor (c)  POST a view doing one submission's database work in one statement
  submit     POST Koza's real homework submit
  flow       open homework, two drafts, submit, open survey, draft, submit
             (each of the --flows learners once), then a database check: one
             submission and one summary per learner, five answers each, no
             duplicates. With --workers 1,2,3 the flow is run again on the
             same data for each number of gunicorn workers (what one more web
             process buys); the other phases use the first number.
  floor (b)  pgbench running the statements one submission needs

Also queries per request (Django test client + CaptureQueriesContext),
gunicorn workers' RSS, and logins/s against a bare loop of the hasher.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-spike-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
os.environ["SECRET_KEY"] = SECRET_KEY
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.backends.cached_db import KEY_PREFIX, SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import User
from bench import args as bench_args
from courses.models import Course
from lms.auth import USER_CACHE_SECONDS, user_cache_key
from lms.middleware import session_stamps
from quizzes.homework.models import Homework, Submission, SubmissionAnswer
from quizzes.surveys.models import SurveyResponse

SMOKE = bench_args.SMOKE


def _options(parser) -> None:
    parser.add_argument(
        "--flows",
        type=int,
        default=40 if SMOKE else 3000,
        help="learners doing the weekly flow, spread over the cohort",
    )
    parser.add_argument(
        "--workers",
        default=os.environ.get("BENCH_WORKERS", "3"),
        help="gunicorn workers; a list (1,2,3) runs the flow once per number",
    )


ARGS = bench_args.parse(__doc__, learners="4000", smoke_learners="40", extra=_options)
LEARNERS = ARGS.learners[0]
LECTURES = ARGS.weeks
FLOWS = min(ARGS.flows, LEARNERS)
WORKER_COUNTS = [int(n) for n in str(ARGS.workers).split(",")]
WORKERS = WORKER_COUNTS[0]
USERS = int(os.environ.get("BENCH_USERS", 6))
PHASE_SECONDS = 3 if SMOKE else 15
WARMUP_SECONDS = 1 if SMOKE else 3  # before each req/s phase, not counted
FLOW_SECONDS = 30 if SMOKE else 900  # a cap: the window is --flows flows
REPETITIONS = 1 if SMOKE else 3
PORT = int(os.environ.get("BENCH_PORT", 8765))  # another port: runs side by side
HOST = f"http://127.0.0.1:{PORT}"
SLUG = "spike"
PASSWORD = "koza-scale"  # noqa: S105 - seed_scale's benchmark password
VENV_BIN = Path(sys.executable).parent
PGBENCH = """\
\\set uid random(:umin, :umax)
BEGIN;
SELECT id FROM quizzes_submission WHERE homework_id = :hw AND user_id = :uid FOR UPDATE;
INSERT INTO quizzes_submission (homework_id, user_id, submitted_at, is_late, revision, token)
  VALUES (:hw, :uid, now(), false, 1, gen_random_uuid())
  ON CONFLICT (homework_id, user_id) DO UPDATE
  SET revision = quizzes_submission.revision + 1, token = EXCLUDED.token,
      submitted_at = EXCLUDED.submitted_at
  RETURNING id AS sid \\gset
DELETE FROM quizzes_submissionanswer WHERE submission_id = :sid;
INSERT INTO quizzes_submissionanswer (submission_id, question_id, choice_id) VALUES {values};
DELETE FROM quizzes_draftanswer WHERE homework_id = :hw AND user_id = :uid;
COMMIT;
"""


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def server_env() -> dict:
    return os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "BENCH_VIEWS": "1",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "koza-bench-static"),
        "PYTHONPATH": str(ROOT),
    }


def make_sessions(users: list[User]) -> list[dict]:
    """A logged-in session per learner, written as the login would: in the
    database and in the cache (cached_db)."""
    store = SessionStore()
    expiry = timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    rows, cached, learners = [], {}, []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            **session_stamps(),
        }
        rows.append(
            Session(
                session_key=key, session_data=store.encode(data), expire_date=expiry
            )
        )
        cached[KEY_PREFIX + key] = data
        learners.append({"id": user.pk, "session": key, "csrf": _get_new_csrf_string()})
    Session.objects.bulk_create(rows, batch_size=5000)
    cache = caches[settings.SESSION_CACHE_ALIAS]
    cache.set_many(cached, timeout=settings.SESSION_COOKIE_AGE)
    # The signed-in user as lms.auth caches it after a learner's first page:
    # learners at a deadline have the homework open (it expires after
    # USER_CACHE_SECONDS like any other, so the later phases reload it).
    caches["default"].set_many(
        {user_cache_key(user.pk): user for user in users}, timeout=USER_CACHE_SECONDS
    )
    return learners


def rss_mb(master_pid: int) -> list[float]:
    children = (
        Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    )
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def locust(config: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(config | {"host": HOST, "users": config.get("users", USERS)}, file)
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "spike_load.py"), file.name],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    os.unlink(file.name)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-3000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def queries_per_request(course, homework, survey_key, questions, learner) -> dict:
    """Queries of each request type, with the session from the cache as in
    production (the test client sends the learner's session cookie)."""
    client = Client(headers={"host": "127.0.0.1"})
    client.cookies["sessionid"] = learner["session"]
    number = homework.lecture.number
    answers = {f"q-{q}": str(c[0]) for q, c in questions}
    survey = {"summary": "x" * 300, survey_key: "4"}
    calls = {
        "homework page": lambda: client.get(
            reverse("homework_take", args=[course.slug, number])
        ),
        "homework draft": lambda: client.post(
            reverse("homework_draft", args=[course.slug, number]),
            answers,
            headers={"hx-request": "true"},
        ),
        "homework submit": lambda: client.post(
            reverse("homework_take", args=[course.slug, number]),
            answers | {"token": str(uuid.uuid4())},
        ),
        "survey page": lambda: client.get(
            reverse("survey", args=[course.slug, number])
        ),
        "survey submit": lambda: client.post(
            reverse("survey", args=[course.slug, number]), survey | {"action": "submit"}
        ),
    }
    counts = {}
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code in {200, 302}, (name, response.status_code)
        counts[name] = len(captured)
    return counts


def logins(users: list[User]) -> dict:
    """Logins/s through allauth's login view (one process) against a bare loop
    of the same password hasher (check_password) in the same process."""
    count = 5 if SMOKE else 20
    settings.ACCOUNT_RATE_LIMITS = False  # one client logging in many times
    encoded = users[0].password
    start = time.perf_counter()
    for _ in range(count):
        assert check_password(PASSWORD, encoded)
    hasher_rate = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for user in users[:count]:
        client = Client(headers={"host": "127.0.0.1"})
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302, response.status_code
    login_rate = count / (time.perf_counter() - start)
    return {
        "logins_per_second": round(login_rate, 1),
        "hasher_per_second": round(hasher_rate, 1),
    }


def pgbench(*, homework_id: int, questions, users: list[User], seconds: int) -> float:
    values = ", ".join(f"(:sid, {q}, {c[0]})" for q, c in questions)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(PGBENCH.format(values=values))
    db = settings.DATABASES["default"]
    run = subprocess.run(
        [
            "pgbench", "-n", "-M", "prepared", "-c", str(USERS), "-j", "2",
            "-T", str(seconds), "-f", file.name,
            "-D", f"hw={homework_id}", "-D", f"umin={users[0].pk}", "-D", f"umax={users[-1].pk}",
            "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432),
            "-U", db["USER"], db["NAME"],
        ],
        capture_output=True, text=True, env=os.environ | {"PGPASSWORD": db["PASSWORD"] or ""},
    )  # fmt: skip
    os.unlink(file.name)
    if run.returncode != 0:
        raise RuntimeError(run.stderr)
    for line in run.stdout.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise RuntimeError(run.stdout)


def flow_check(flow: dict, current, survey, flow_started) -> dict:
    # Every learner who completed the flow has exactly one submission with
    # five answers and one summary; nothing doubled.
    mine = Submission.objects.filter(homework=current)
    duplicates = mine.values("user").annotate(n=Count("id")).filter(n__gt=1).count()
    answers_ok = (
        SubmissionAnswer.objects.filter(submission__in=mine).count() == 5 * mine.count()
    )
    check = {
        "flows_completed": flow["flows"],
        "submissions": mine.count(),
        "submissions_in_flow_window": mine.filter(
            submitted_at__gte=flow_started
        ).count(),
        "summaries": SurveyResponse.objects.filter(survey=survey).count(),
        "duplicate_submissions": duplicates,
        "five_answers_each": answers_ok,
    }
    check["exactly_once"] = (
        duplicates == 0
        and answers_ok
        and check["submissions"] >= check["flows_completed"]
        and check["summaries"] >= check["flows_completed"]
        and check["submissions"] == flow["requests"]["homework submit"]["count"]
    )
    return check


def summary(values: list[float]) -> tuple[float, list[float]]:
    return round(statistics.median(values), 1), [
        round(min(values), 1),
        round(max(values), 1),
    ]


def main() -> None:
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        sys.exit(
            "bench_spike needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL"
        )
    start = time.perf_counter()
    call_command(
        "seed_scale", learners=LEARNERS, lectures=LECTURES, slug=SLUG, stdout=sys.stderr
    )
    seed_seconds = time.perf_counter() - start
    course = Course.objects.get(slug=SLUG)
    homeworks = list(
        Homework.objects.filter(lecture__course=course).select_related("lecture")
    )
    current, floor_homework = homeworks[-1], homeworks[0]
    survey = current.lecture.survey
    rating_key = survey.questions.get().key
    questions = [
        [q.pk, [c.pk for c in q.choices.all()]]
        for q in current.questions.prefetch_related("choices")
    ]
    users = list(User.objects.filter(enrollments__course=course).order_by("pk"))
    # The window: FLOWS learners spread evenly over the cohort, logged in.
    step = len(users) / FLOWS
    taking_part = [users[int(i * step)] for i in range(FLOWS)]
    learners = make_sessions(taking_part)
    number = current.lecture.number
    urls = {
        "homework_url": reverse("homework_take", args=[SLUG, number]),
        "draft_url": reverse("homework_draft", args=[SLUG, number]),
        "survey_url": reverse("survey", args=[SLUG, number]),
        "survey_draft_url": reverse("survey_draft", args=[SLUG, number]),
    }
    queries = queries_per_request(course, current, rating_key, questions, learners[-1])
    login = logins(taking_part)
    # The query run submitted for the last learner: start the check from zero.
    Submission.objects.filter(homework=current).delete()
    SurveyResponse.objects.filter(survey=survey).delete()

    env = server_env()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    worker = subprocess.Popen(
        [VENV_BIN / "celery", "-A", "lms", "worker", "--pool", "solo", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def start_server(workers: int) -> subprocess.Popen:
        server = subprocess.Popen(
            [
                VENV_BIN / "gunicorn", "lms.wsgi:application", "--workers", str(workers),
                "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning",
            ],
            cwd=ROOT, env=env,
        )  # fmt: skip
        wait_until_up(f"{HOST}/bench/noop/")
        return server

    def stop_server(server: subprocess.Popen) -> None:
        server.terminate()
        server.wait(timeout=30)

    server = start_server(WORKERS)
    more_workers = {}
    try:
        log(f"gunicorn up with {WORKERS} workers; {len(learners)} learners logged in")
        common = urls | {
            "learners": learners,
            "questions": questions,
            "rating_key": rating_key,
            "floor_homework_id": floor_homework.pk,
            "seconds": PHASE_SECONDS,
        }
        runs = {"noop": [], "floor": [], "submit": [], "pgbench": []}
        cpu = []
        for repetition in range(REPETITIONS):
            for mode, name in (
                ("noop", "noop view (floor a)"),
                ("floor", "one-statement submit (floor c)"),
                ("submit", "homework submit"),
            ):
                result = locust(common | {"mode": mode, "warmup": WARMUP_SECONDS})
                stats = result["requests"][name]
                if result["errors"]:
                    raise RuntimeError(f"{mode}: {result['errors']}")
                runs[mode].append(stats["per_second"])
                cpu.append(result["locust_cpu_share"])
            runs["pgbench"].append(
                pgbench(
                    homework_id=floor_homework.pk,
                    questions=questions,
                    users=users,
                    seconds=PHASE_SECONDS,
                )
            )
            log(
                f"run {repetition + 1}: "
                + ", ".join(f"{k} {v[-1]}/s" for k, v in runs.items())
            )
        # The submit phase cycled through learners: the flow starts from none.
        Submission.objects.filter(homework=current).delete()
        flow_started = timezone.now()
        flow = locust(common | {"mode": "flow", "seconds": FLOW_SECONDS})
        memory = rss_mb(server.pid)
        check = flow_check(flow, current, survey, flow_started)
        for workers in WORKER_COUNTS[1:]:
            # The same window again on the same data, with another number of
            # web processes: the learners start from nothing submitted.
            stop_server(server)
            Submission.objects.filter(homework=current).delete()
            SurveyResponse.objects.filter(survey=survey).delete()
            server = start_server(workers)
            log(f"flow with {workers} gunicorn workers")
            again = locust(common | {"mode": "flow", "seconds": FLOW_SECONDS})
            more_workers[workers] = {
                "flows": again["flows"],
                "seconds": again["seconds"],
                "flows_per_second": round(again["flows"] / again["seconds"], 1),
                "p95_ms": max(
                    r["p95_ms"]
                    for n, r in again["requests"].items()
                    if n != "complete flow"
                ),
                "errors": sum(r["failures"] for r in again["requests"].values()),
            }
    finally:
        stop_server(server)
        worker.terminate()
        worker.wait(timeout=30)
    cpu.append(flow["locust_cpu_share"])

    seconds = flow["seconds"]
    flows_per_second = round(flow["flows"] / seconds, 1)
    submits_per_second = round(
        flow["requests"]["homework submit"]["count"] / seconds, 1
    )
    flow_errors = sum(r["failures"] for r in flow["requests"].values())
    # The flow's request rate (flows/s x requests per flow) against floor
    # (a): absolute flows/s move 2x between machines, this ratio does not.
    flow_requests = sum(
        r["count"] for n, r in flow["requests"].items() if n != "complete flow"
    )
    flow_request_rate = round(flow_requests / seconds, 1)
    noop, noop_spread = summary(runs["noop"])
    floor_c, floor_c_spread = summary(runs["floor"])
    submit, submit_spread = summary(runs["submit"])
    floor_b, floor_b_spread = summary(runs["pgbench"])
    request_rows = {
        name: {k: stats[k] for k in ("count", "failures", "p50_ms", "p95_ms", "p99_ms")}
        for name, stats in flow["requests"].items()
    }
    flow_p95 = max(r["p95_ms"] for n, r in request_rows.items() if n != "complete flow")
    flow_p99 = max(r["p99_ms"] for n, r in request_rows.items() if n != "complete flow")
    figures = [
        {
            "figure": f"spike: homework submit req/s ({WORKERS} gunicorn workers)",
            "value": submit, "unit": "req/s", "spread": submit_spread,
            "floor": floor_c, "ratio": round(submit / floor_c, 2),
            "target": ">= 0.7x floor (c): one-statement view", "met": submit >= 0.7 * floor_c,
        },
        {
            "figure": "spike: floor (a) no-database view req/s",
            "value": noop, "unit": "req/s", "spread": noop_spread,
        },
        {
            "figure": "spike: floor (b) pgbench, a submission's statements, tx/s",
            "value": floor_b, "unit": "tx/s", "spread": floor_b_spread,
        },
        {
            "figure": "spike: floor (c) one-statement submit view req/s",
            "value": floor_c, "unit": "req/s", "spread": floor_c_spread,
        },
        {
            "figure": f"spike: complete weekly flows/s ({flow['flows']} of {LEARNERS:,} "
            f"enrolled, {WORKERS} workers)",
            "value": flows_per_second, "unit": "flows/s",
            "target": "at 100,000 enrolled >= at 4,000", "met": None,
        },
        {
            "figure": "spike: weekly flow request rate (flows/s x requests per flow)",
            "value": flow_request_rate, "unit": "req/s",
            "floor": noop, "ratio": round(flow_request_rate / noop, 2),
            "target": ">= 0.2x floor (a): no-database view",
            "met": flow_request_rate >= 0.2 * noop,
        },
        {"figure": "spike: submissions/s during the flow", "value": submits_per_second, "unit": "req/s"},
        {
            "figure": f"spike: p95 latency, worst request type ({LEARNERS:,} enrolled)",
            "value": flow_p95, "unit": "ms", "target": "< 300", "met": flow_p95 < 300,
        },
        {
            "figure": "spike: p99 latency, worst request type",
            "value": flow_p99, "unit": "ms", "target": "< 1000", "met": flow_p99 < 1000,
        },
        {
            "figure": "spike: errors", "value": flow_errors, "target": "0", "met": flow_errors == 0,
        },
        {
            "figure": "spike: every submission stored exactly once",
            "value": check["exactly_once"], "target": "true", "met": check["exactly_once"],
        },
        {
            "figure": "spike: queries per homework submit",
            "value": queries["homework submit"], "target": "<= 4", "met": queries["homework submit"] <= 4,
        },
        {"figure": "spike: web worker RSS (max)", "value": max(memory), "unit": "MB"},
        {
            "figure": "logins/s (one process) vs bare hasher loop",
            "value": login["logins_per_second"], "unit": "/s",
            "floor": login["hasher_per_second"],
            "ratio": round(login["logins_per_second"] / login["hasher_per_second"], 2),
        },
        {"figure": "Locust CPU share (max of runs)", "value": max(cpu), "unit": "cores"},
    ]  # fmt: skip
    for workers, again in more_workers.items():
        figures.append(
            {
                "figure": f"spike: complete weekly flows/s with {workers} gunicorn "
                f"workers ({again['flows']} flows, {LEARNERS:,} enrolled; p95 "
                f"{again['p95_ms']} ms, {again['errors']} errors)",
                "value": again["flows_per_second"], "unit": "flows/s",
                "floor": flows_per_second,
                "ratio": round(again["flows_per_second"] / flows_per_second, 2),
                "target": f"vs {WORKERS} workers", "met": None,
            }
        )  # fmt: skip
    print(
        json.dumps(
            {
                # One entry per cohort size in bench/results.json.
                "benchmark": f"deadline_spike_{LEARNERS}",
                "learners": LEARNERS,
                "flows_window": FLOWS,
                "workers": WORKERS,
                "more_workers": more_workers,
                "locust_users": USERS,
                "seed_seconds": round(seed_seconds, 1),
                "figures": figures,
                "flow": {
                    "seconds": seconds,
                    "requests": request_rows,
                    "errors": flow["errors"],
                },
                "check": check,
                "queries_per_request": queries,
                "worker_rss_mb": memory,
                "runs": runs,
                "logins": login,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
