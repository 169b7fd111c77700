"""Logins per second of one process (issue 23, item 4).

A learner signs in through allauth's login page (the whole middleware stack
through the Django test client: rate limits, lockout, session in Redis and
the database). Measured for accounts hashed with Argon2id at OWASP's
parameters (lms/hashers.py, what Koza stores now) and, in the same run, for
accounts still holding a PBKDF2 hash (Django's default, what every login
cost before; the first login also re-hashes, so those accounts are reset
before each one).

Floors, timed in the same run: a bare loop of the same hasher's `verify`
(what a login cannot go below), and the PBKDF2 logins/s. Target: Argon2id
logins/s at least 5x the PBKDF2 logins/s.

--learners N (default 100,000; a list runs each size): the accounts table
holds N other accounts with verified addresses (INSERT ... SELECT), so a
login looks its address up among a whole cohort's.

    DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/bench_logins.py \
        [--learners 4000,100000]
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from bench import args as bench_args

SMOKE = bench_args.SMOKE
ARGON_LOGINS = 5 if SMOKE else 60
PBKDF2_LOGINS = 2 if SMOKE else 6
PASSWORD = "a long enough demo password"  # noqa: S105 (bench accounts)
COHORT_SQL = [
    """INSERT INTO accounts_user
        (password, is_superuser, is_staff, is_active, date_joined, email,
         display_name, affiliation, category, language, announcement_emails)
    SELECT %(password)s, false, false, true, now(),
           'cohort-' || n || '@bench.example.com', 'Learner ' || n, '',
           'student', 'ja', true
    FROM generate_series(1, %(count)s) AS n""",
    """INSERT INTO account_emailaddress (email, verified, "primary", user_id)
    SELECT email, true, true, id FROM accounts_user
    WHERE email LIKE 'cohort-%%@bench.example.com'""",
    "ANALYZE accounts_user",
    "ANALYZE account_emailaddress",
]


def users(prefix: str, count: int, encoded: str) -> list[str]:
    emails = [f"{prefix}{i}@bench.example.com" for i in range(count)]
    User.objects.filter(
        email__endswith="@bench.example.com", email__startswith=prefix
    ).delete()
    created = User.objects.bulk_create(
        User(email=email, password=encoded) for email in emails
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True)
        for user in created
    )
    return emails


def login_seconds(emails: list[str], reset_to: str | None = None) -> list[float]:
    """Seconds per successful login, each from its own address and client."""
    times = []
    for i, email in enumerate(emails):
        if reset_to is not None:  # a PBKDF2 account is re-hashed at its first login
            User.objects.filter(email=email).update(password=reset_to)
        client = Client(
            headers={"host": "127.0.0.1"},
            REMOTE_ADDR=f"198.51.{i // 250}.{i % 250 + 1}",
        )
        start = time.perf_counter()
        response = client.post(
            reverse("account_login"), {"login": email, "password": PASSWORD}
        )
        times.append(time.perf_counter() - start)
        assert response.status_code == 302, (email, response.status_code)
    return times


def bare_verify_seconds(algorithm: str, encoded: str, count: int) -> float:
    hasher = get_hasher(algorithm)
    start = time.perf_counter()
    for _ in range(count):
        assert hasher.verify(PASSWORD, encoded)
    return (time.perf_counter() - start) / count


def cohort(count: int, encoded: str) -> None:
    """`count` other accounts, as a cohort's worth of learners would be."""
    User.objects.filter(
        email__startswith="cohort-", email__endswith="@bench.example.com"
    ).delete()
    with connection.cursor() as cursor:
        for sql in COHORT_SQL:
            cursor.execute(sql, {"password": encoded, "count": count})


def main() -> None:
    args = bench_args.parse(__doc__, learners="100000", smoke_learners="100")
    figures, sizes = [], {}
    for learners in args.learners:
        result = measure(learners)
        figures += result.pop("figures")
        sizes[learners] = result
    print(json.dumps({"benchmark": "logins", "figures": figures, "sizes": sizes}))


def measure(learners: int) -> dict:
    argon = make_password(PASSWORD)  # the first hasher in settings: Argon2id
    assert argon.startswith("argon2$argon2id$"), argon
    pbkdf2 = make_password(PASSWORD, hasher="pbkdf2_sha256")
    cohort(learners, argon)

    # Warm up imports, the URL resolver and the connection.
    login_seconds(users("warm", 2, argon))

    argon_times = login_seconds(users("argon", ARGON_LOGINS, argon))
    argon_floor = bare_verify_seconds("argon2", argon, ARGON_LOGINS)
    pbkdf2_times = login_seconds(
        users("pbkdf2", PBKDF2_LOGINS, pbkdf2), reset_to=pbkdf2
    )
    pbkdf2_floor = bare_verify_seconds("pbkdf2_sha256", pbkdf2, PBKDF2_LOGINS)

    argon_rate = len(argon_times) / sum(argon_times)
    pbkdf2_rate = len(pbkdf2_times) / sum(pbkdf2_times)
    argon_login_ms = 1000 * sum(argon_times) / len(argon_times)
    figures = [
        {
            "figure": "logins/s of one process, Argon2id (m=19 MiB, t=2, p=1), "
            f"{learners:,} accounts",
            "value": round(argon_rate, 1),
            "unit": "/s",
            "floor": round(pbkdf2_rate, 2),
            "ratio": round(argon_rate / pbkdf2_rate, 1),
            "target": ">= 5x PBKDF2 logins/s (floor)",
            "met": argon_rate >= 5 * pbkdf2_rate,
        },
        {
            "figure": f"one login page, Argon2id, mean, {learners:,} accounts",
            "value": round(argon_login_ms, 1),
            "unit": "ms",
            "floor": round(1000 * argon_floor, 1),
            "ratio": round(argon_login_ms / (1000 * argon_floor), 2),
            # The rest of a login is ~13 queries and ~24 Redis calls (session,
            # rate limits, lockout): informative, no target.
            "target": None,
            "met": None,
        },
        {
            "figure": f"one login page, PBKDF2 (before), mean, {learners:,} accounts",
            "value": round(1000 * sum(pbkdf2_times) / len(pbkdf2_times), 1),
            "unit": "ms",
            "floor": round(1000 * pbkdf2_floor, 1),
            "ratio": round(sum(pbkdf2_times) / len(pbkdf2_times) / pbkdf2_floor, 2),
            "target": None,
            "met": None,
        },
    ]
    return {
        "figures": figures,
        "logins": {"argon2id": len(argon_times), "pbkdf2": len(pbkdf2_times)},
    }


if __name__ == "__main__":
    main()
