"""Spreadsheet formula injection: every CSV the project exports (found from
the URL list and from each staff page's Content-Type) neutralises cells that
a spreadsheet would run as a formula."""

import csv
import io
import re
from datetime import datetime

import pytest

from quizzes.homework.tests.factories import answers_for, post_data
from quizzes.surveys.models import SurveyResponse
from reliability.tests.test_access_matrix import (
    body_of,
    fill,
    headers_for,
    project_patterns,
)

FORMULAS = [
    '=HYPERLINK("https://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\tTabbed",
    "\rReturned",
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_EMAIL = "=cmd@example.com"
# A learner's uploaded file, downloaded byte for byte as evidence: not an
# export Koza writes.
ORIGINAL_FILES = {"staff_competition_entry_file"}


@pytest.fixture
def hostile_names(world, client, user_factory):
    """The learner, with a formula in every text field that reaches an
    export, has submitted the homework and the survey."""
    learner = world.users["learner"]
    learner.display_name = FORMULAS[0]
    learner.email = HOSTILE_EMAIL
    learner.save()
    learner.enrollments.update(affiliation=FORMULAS[2])
    SurveyResponse.objects.filter(user=learner).update(
        summary=FORMULAS[3], review_comment=FORMULAS[4]
    )
    world.participant.nickname = FORMULAS[5]
    world.participant.save()
    client.force_login(learner)
    response = client.post(
        world.homework.get_absolute_url(),
        post_data(answers_for(world.homework, correct=3)),
    )
    assert response.status_code == 302
    return world


def csv_exports(world, client, *, skip=frozenset()):
    """(path, response) of every staff page that answers with CSV."""
    for route, name in project_patterns():
        if not route.startswith("staff/") or name in ORIGINAL_FILES | skip:
            continue
        path = fill(route, name, world)
        response = client.get(path, headers=headers_for(name, world, "admin"))
        content_type = response.get("Content-Type", "")
        if route.endswith(".csv") or content_type.startswith("text/csv"):
            assert response.status_code == 200, path
            yield path, response


def test_every_csv_export_neutralises_formulas(client, hostile_names):
    world = hostile_names
    client.force_login(world.users["admin"])
    exports = list(csv_exports(world, client))
    assert len(exports) >= 4
    problems, seen = [], ""
    for path, response in exports:
        text = body_of(response).lstrip("\ufeff")
        seen += text
        for row in csv.reader(io.StringIO(text, newline="")):
            bad = [cell for cell in row if cell.startswith(DANGEROUS)]
            problems += [f"{path}: {cell!r}" for cell in bad]
    assert not problems, "\n".join(problems)
    # The hostile names were exported (neutralised), not left out.
    assert "HYPERLINK" in seen


def test_every_export_of_learners_writes_a_formula_email_as_text(client, hostile_names):
    """The learner's email is a column of every per-learner export (the
    competition entries export wrote it raw once): each shows it quoted."""
    client.force_login(hostile_names.users["admin"])
    per_learner = 0
    for path, response in csv_exports(hostile_names, client):
        rows = list(csv.reader(io.StringIO(body_of(response).lstrip("\ufeff"))))
        columns = [name.lower() for name in rows[0]]
        column = next((c for c in ("email", "user") if c in columns), None)
        if column is None:
            continue  # an aggregate, with no learner in it
        per_learner += 1
        emails = [row[columns.index(column)] for row in rows[1:]]
        assert "'" + HOSTILE_EMAIL in emails, path
        assert HOSTILE_EMAIL not in emails, path
    assert per_learner >= 4


def test_an_export_is_a_private_attachment_with_a_safe_name(client, hostile_names):
    client.force_login(hostile_names.users["admin"])
    for path, response in csv_exports(hostile_names, client):
        assert response["Cache-Control"] == "private, no-store", path
        assert response["Content-Disposition"].startswith("attachment; filename"), path
        assert body_of(response).startswith("\ufeff"), path


DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d")
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def test_every_export_writes_times_one_way_iso_8601_on_the_course_clock(
    client, hostile_names
):
    """A spreadsheet sorts and parses one format: ISO 8601 with the offset,
    in the course's time zone (`lms.csv.csv_timestamp`), in every export."""
    world = hostile_names
    client.force_login(world.users["admin"])
    offset = datetime.now(world.course.tzinfo).isoformat()[-6:]
    times, problems = 0, []
    for path, response in csv_exports(world, client):
        text = body_of(response).lstrip("\ufeff")
        for row in csv.reader(io.StringIO(text, newline="")):
            for cell in row:
                if not DATE_LIKE.match(cell):
                    continue
                times += 1
                if not ISO_WITH_OFFSET.match(cell) or not cell.endswith(offset):
                    problems.append(f"{path}: {cell!r}")
    assert not problems, "\n".join(problems)
    assert times >= 4, "the exports' times were found"
