"""The two homework write paths decide alike over the whole state space.

On PostgreSQL a learner's submit and drafts run as one statement
(`homework_submit_direct`, `homework_save_draft_direct`); the full path
(`homework_parse_answers` + `homework_submit` / `homework_save_draft`) runs
everywhere else and for every refusal. For every actor × window ×
publication × answers, each path on its own must accept or refuse as the
other does, leave the same rows, and agree with the rule as written here in
plain terms (so both cannot be wrong together). Surveys have one write path;
their survey submits and drafts are checked against the same plain rule.
"""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from courses.models import Course, CourseRole, Enrollment, Extension, Lecture
from quizzes.homework.models import DraftAnswer, Homework, Submission, SubmissionAnswer
from quizzes.homework.services import (
    Direct,
    HomeworkClosed,
    homework_parse_answers,
    homework_save_draft,
    homework_save_draft_direct,
    homework_submit,
    homework_submit_direct,
)
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.models import Survey, SurveyDraft, SurveyResponse
from quizzes.surveys.services import SurveyClosed, survey_save_draft, survey_submit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the one-statement path is PostgreSQL's (run with DATABASE_URL)",
    ),
]

ACTORS = (
    "approved",
    "applied",
    "rejected",
    "withdrawn",
    "staff",
    "course admin",
    "other course's learner",
    "anonymous",
)
# Approved learners with extensions (`Extension`): of this homework, of
# everything in the course, of another homework, and one revoked.
EXTENDED_ACTORS = (
    "extended",
    "extended everything",
    "extended elsewhere",
    "revoked extension",
)
EXTENSION = timedelta(days=2)
# name -> (now relative to the homework, in its window?, late?)
WINDOWS = ("before open", "open", "due edge", "late", "late edge", "closed")
# Past the homework's own close: within an extension of EXTENSION.
EXTENDED_WINDOWS = (
    "extended open",
    "extended due edge",
    "extended late",
    "extended late edge",
    "extended closed",
)
PUBLICATION = ("published", "course draft", "lecture unpublished", "homework hidden")
ANSWERS = (
    "complete",
    "missing one",
    "foreign choice",
    "another question's choice",
    "question named twice",
)


class Rollback(Exception):
    pass


@pytest.fixture
def world(course, other_course, user_factory):
    homework = make_homework(course.lectures.get(number=1), late_days=1)
    foreign = make_homework(
        Lecture.objects.create(
            course=other_course, number=1, title="Other", starts_at=timezone.now()
        )
    )
    users = {}
    for actor in ACTORS[:-1]:
        users[actor] = user_factory()
    statuses = {
        "approved": Enrollment.Status.APPROVED,
        "applied": Enrollment.Status.APPLIED,
        "rejected": Enrollment.Status.REJECTED,
        "withdrawn": Enrollment.Status.WITHDRAWN,
    }
    for actor, status in statuses.items():
        Enrollment.objects.create(user=users[actor], course=course, status=status)
    Enrollment.objects.create(
        user=users["other course's learner"],
        course=other_course,
        status=Enrollment.Status.APPROVED,
    )
    CourseRole.objects.create(course=course, user=users["staff"], role="staff")
    CourseRole.objects.create(course=course, user=users["course admin"], role="admin")
    users["anonymous"] = AnonymousUser()
    elsewhere = make_homework(course.lectures.get(number=2))
    scopes = {
        "extended": ("homework", homework.lecture),
        "extended everything": ("all", None),
        "extended elsewhere": ("homework", elsewhere.lecture),
        "revoked extension": ("homework", homework.lecture),
    }
    for actor, (scope, lecture) in scopes.items():
        users[actor] = user_factory()
        Enrollment.objects.create(
            user=users[actor], course=course, status=Enrollment.Status.APPROVED
        )
        Extension.objects.create(
            course=course,
            user=users[actor],
            scope=scope,
            lecture=lecture,
            extra_time=EXTENSION,
            reason="ill",
            revoked_at=timezone.now() if actor == "revoked extension" else None,
        )
    return homework, foreign, users


def _now(homework: Homework, window: str):
    closes = homework.due_at + timedelta(days=homework.late_days)
    tick = timedelta(microseconds=1)
    return {
        "before open": homework.opens_at - tick,
        "open": homework.opens_at + timedelta(hours=1),
        "due edge": homework.due_at,
        "late": homework.due_at + tick,
        "late edge": closes,
        "closed": closes + tick,
        "extended open": closes + tick,
        "extended due edge": homework.due_at + EXTENSION,
        "extended late": homework.due_at + EXTENSION + tick,
        "extended late edge": closes + EXTENSION,
        "extended closed": closes + EXTENSION + tick,
    }[window]


def _publish(homework: Homework, publication: str) -> None:
    lecture = homework.lecture
    if publication == "course draft":
        Course.objects.filter(pk=lecture.course_id).update(state=Course.State.DRAFT)
    elif publication == "lecture unpublished":
        Lecture.objects.filter(pk=lecture.pk).update(published=False)
    elif publication == "homework hidden":
        Homework.objects.filter(pk=homework.pk).update(published=False)


def _form(homework: Homework, foreign: Homework, answers: str) -> QueryDict:
    questions = list(homework.questions.prefetch_related("choices"))
    chosen = {q.pk: list(q.choices.all())[1].pk for q in questions}
    data = QueryDict(mutable=True)
    if answers == "missing one":
        chosen.pop(questions[-1].pk)
    elif answers == "foreign choice":
        chosen[questions[0].pk] = foreign.questions.first().choices.first().pk
    elif answers == "another question's choice":
        chosen[questions[0].pk] = questions[1].choices.first().pk
    for question_id, choice_id in chosen.items():
        data[f"q-{question_id}"] = str(choice_id)
    if answers == "question named twice":
        data[f"q-0{questions[0].pk}"] = str(questions[0].choices.last().pk)
    data["token"] = str(uuid.uuid4())
    return data


def _expected(homework, actor, window, publication, answers, *, draft: bool):
    """The rule in plain terms: (accepted, late). An approved learner answers
    from the opening to their due time (the homework's, plus their active
    extension of it or of everything) on time, then for `late_days` late."""
    valid = answers == "complete" or (draft and answers == "missing one")
    now = _now(homework, window)
    due = homework.due_at
    if actor in {"extended", "extended everything"}:
        due += EXTENSION
    closes = due + timedelta(days=homework.late_days)
    accepted = (
        actor in {"approved", *EXTENDED_ACTORS}
        and publication == "published"
        and homework.opens_at <= now <= closes
        and valid
    )
    return accepted, accepted and now > due


def _rows(homework: Homework):
    return (
        sorted(
            Submission.objects.filter(homework=homework).values_list(
                "user_id", "submitted_at", "is_late", "revision", "score"
            )
        ),
        sorted(
            SubmissionAnswer.objects.filter(submission__homework=homework).values_list(
                "submission__user_id", "question_id", "choice_id"
            )
        ),
        sorted(
            DraftAnswer.objects.filter(homework=homework).values_list(
                "user_id", "question_id", "choice_id", "saved_at"
            )
        ),
        Homework.objects.filter(pk=homework.pk).values_list(
            "graded_key_version", flat=True
        )[0],
    )


def _fast(homework, user, data, now, *, draft: bool) -> bool:
    lecture = homework.lecture
    kwargs = {
        "slug": lecture.course.slug,
        "number": lecture.number,
        "user_id": user.pk,
        "data": data,
        "now": now,
    }
    if draft:
        return homework_save_draft_direct(**kwargs)[0] is Direct.SAVED
    token = uuid.UUID(data["token"])
    return homework_submit_direct(**kwargs, token=token) is Direct.SUBMITTED


def _full(homework, user, data, now, *, draft: bool) -> bool:
    homework = Homework.objects.select_related("lecture__course").get(pk=homework.pk)
    answers, errors = homework_parse_answers(
        homework=homework, data=data, require_all=not draft
    )
    if errors:
        return False
    try:
        if draft:
            homework_save_draft(homework=homework, user=user, answers=answers, now=now)
        else:
            homework_submit(
                homework=homework,
                user=user,
                answers=answers,
                token=uuid.UUID(data["token"]),
                now=now,
            )
    except HomeworkClosed:
        return False
    return True


def _run(path, world, actor, window, publication, answers, *, draft):
    """Run one path in a savepoint that is rolled back: (accepted, rows)."""
    homework, foreign, users = world
    outcome = {}
    try:
        with transaction.atomic():
            # A graded homework, to see the submit mark it ungraded again.
            Homework.objects.filter(pk=homework.pk).update(graded_key_version=1)
            _publish(homework, publication)
            data = _form(homework, foreign, answers)
            now = _now(homework, window)
            outcome["accepted"] = path(homework, users[actor], data, now, draft=draft)
            outcome["rows"] = _rows(homework)
            raise Rollback
    except Rollback:
        pass
    return outcome["accepted"], outcome["rows"]


@pytest.mark.parametrize("draft", [False, True], ids=["submit", "draft"])
def test_both_homework_paths_decide_alike_over_every_state(world, draft):
    mismatches = []
    cases = itertools.chain(
        itertools.product(ACTORS, WINDOWS, PUBLICATION, ANSWERS),
        # Extensions: every learner at every instant around both windows.
        itertools.product(
            ("approved", "applied", *EXTENDED_ACTORS),
            WINDOWS + EXTENDED_WINDOWS,
            ("published", "homework hidden"),
            ("complete", "missing one"),
        ),
    )
    for actor, window, publication, answers in cases:
        case = (actor, window, publication, answers)
        fast = _run(_fast, world, *case, draft=draft)
        full = _run(_full, world, *case, draft=draft)
        accepted, late = _expected(world[0], *case, draft=draft)
        submissions = fast[1][0]
        if fast != full:
            mismatches.append(f"{case}: fast {fast[0]}, full {full[0]}, rows differ")
        elif fast[0] != accepted:
            mismatches.append(f"{case}: both {fast[0]}, the rule says {accepted}")
        elif accepted and not draft and [s[2] for s in submissions] != [late]:
            mismatches.append(f"{case}: late {submissions}, the rule says {late}")
        elif not accepted and fast[1][:3] != ([], [], []):
            mismatches.append(f"{case}: refused but wrote {fast[1]}")
    assert not mismatches, "\n".join(mismatches[:40])


@pytest.fixture
def survey_world(world):
    homework, _, users = world
    now = timezone.now()
    survey = Survey.objects.create(
        lecture=homework.lecture,
        opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=3),
        summary_min_chars=1,
        published=True,
    )
    return survey, users


SURVEY_WINDOWS = ("before open", "open", "due edge", "late allowed", "late refused")


def _survey_now(survey: Survey, window: str):
    return {
        "before open": survey.opens_at - timedelta(microseconds=1),
        "open": survey.opens_at + timedelta(hours=1),
        "due edge": survey.due_at,
        "late allowed": survey.due_at + timedelta(microseconds=1),
        "late refused": survey.due_at + timedelta(microseconds=1),
    }[window]


def test_survey_submits_and_drafts_follow_the_rule_over_every_state(survey_world):
    survey, users = survey_world
    mismatches = []
    publications = ("published", "course draft", "lecture unpublished", "hidden")
    for actor, window, publication, draft in itertools.product(
        ACTORS, SURVEY_WINDOWS, publications, (False, True)
    ):
        case = (actor, window, publication, "draft" if draft else "submit")
        try:
            with transaction.atomic():
                lecture = survey.lecture
                if publication == "course draft":
                    Course.objects.filter(pk=lecture.course_id).update(state="draft")
                elif publication == "lecture unpublished":
                    Lecture.objects.filter(pk=lecture.pk).update(published=False)
                elif publication == "hidden":
                    Survey.objects.filter(pk=survey.pk).update(published=False)
                Survey.objects.filter(pk=survey.pk).update(
                    allow_late=window == "late allowed"
                )
                now = _survey_now(survey, window)
                write = survey_save_draft if draft else survey_submit
                try:
                    write(survey=survey, user=users[actor], summary="要約",
                          answers={}, now=now)  # fmt: skip
                    accepted = True
                except SurveyClosed:
                    accepted = False
                stored = list(
                    SurveyResponse.objects.values_list("user_id", "late")
                ) + list(SurveyDraft.objects.values_list("user_id", flat=True))
                raise Rollback
        except Rollback:
            pass
        expected = (
            actor == "approved"
            and publication == "published"
            and window in {"open", "due edge", "late allowed"}
        )
        if accepted != expected:
            mismatches.append(f"{case}: accepted {accepted}, the rule says {expected}")
        elif not accepted and stored:
            mismatches.append(f"{case}: refused but stored {stored}")
        elif (
            accepted
            and not draft
            and stored != [(users[actor].pk, window == "late allowed")]
        ):
            mismatches.append(f"{case}: stored {stored}")
    assert not mismatches, "\n".join(mismatches[:40])
