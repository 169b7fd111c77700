"""Homework reads: the learner's page and the staff's figures."""

import math
from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q, Value
from django.db.models.functions import TruncHour
from django.utils import timezone

from courses.models import ACCEPTING_WINDOWS, Enrollment
from quizzes.homework.models import (
    Choice,
    DraftAnswer,
    Homework,
    ItemAnalysis,
    Question,
    Submission,
    SubmissionAnswer,
    shuffle_for_learner,
)


def homework_learner_view(
    *,
    homework: Homework,
    user,
    now: datetime,
    posted: dict | None = None,
    reveal: bool = False,
) -> dict:
    """What the learner's page shows, built so that nothing about the key or
    the score is in it before reveal (the template cannot leak what it is
    not given)."""
    submission = (
        Submission.objects.with_passed().filter(homework=homework, user=user).first()
    )
    # The submitted answers, then the drafts over them: one query.
    submitted = SubmissionAnswer.objects.filter(submission=submission).annotate(
        draft=Value(False)
    )
    drafted = DraftAnswer.objects.filter(homework=homework, user=user).annotate(
        draft=Value(True)
    )
    rows = (
        drafted.values_list("question_id", "choice_id", "draft")
        if submission is None
        else submitted.values_list("question_id", "choice_id", "draft").union(
            drafted.values_list("question_id", "choice_id", "draft"), all=True
        )
    )
    selected: dict[int, int] = {}
    drafts: dict[int, int] = {}
    for question_id, choice_id, is_draft in sorted(rows, key=lambda row: row[2]):
        selected[question_id] = choice_id
        if is_draft:
            drafts[question_id] = choice_id
    if posted:
        selected.update(posted)
    # The learner's own window (with any extension): an extended learner
    # still answering sees no key even once it is revealed to the others.
    state, due_in_force = homework.window_at(now, user_id=user.pk)
    revealed = reveal or (homework.is_revealed(now) and state not in ACCEPTING_WINDOWS)
    # Questions and their choices in one query (a question without choices,
    # which only staff's preview of a draft can have, still shows).
    content: dict[int, dict] = {}
    order = ("position", "id", "choices__position", "choices__id")
    for qid, text, explanation, cid, ctext, correct, feedback in (
        homework.questions.order_by(*order)
        .values_list(
            "id", "text", "explanation", "choices__id", "choices__text",
            "choices__is_correct", "choices__feedback",
        )
    ):  # fmt: skip
        question = content.setdefault(
            qid, {"text": text, "explanation": explanation, "choices": []}
        )
        if cid is not None:
            question["choices"].append((cid, ctext, correct, feedback))
    questions = []
    for number, (question_id, question) in enumerate(content.items(), start=1):
        ordered = question["choices"]
        if homework.shuffle:
            shuffle_for_learner(
                ordered,
                user_id=user.pk,
                homework_id=homework.pk,
                question_id=question_id,
            )
        choices = []
        for choice_id, text, is_correct, feedback in ordered:
            item = {
                "id": choice_id,
                "text": text,
                "checked": selected.get(question_id) == choice_id,
            }
            if revealed:
                item["is_correct"] = is_correct
                item["feedback"] = feedback
            choices.append(item)
        entry = {
            "id": question_id,
            "number": number,
            "text": question["text"],
            "answered": question_id in selected,
        }
        entry["choices"] = choices
        if revealed:
            entry["explanation"] = question["explanation"]
            entry["answered_correctly"] = any(
                c["checked"] and c["is_correct"] for c in choices
            )
        questions.append(entry)
    view = {
        "questions": questions,
        "state": state,
        "accepting": state in ACCEPTING_WINDOWS,
        "due_in_force": due_in_force,
        "extended": due_in_force != homework.due_at,
        "revealed": revealed,
        "submission": submission,
        "has_draft": bool(drafts),
        "max_score": len(questions),
        "late_cap_points": homework.late_cap_points(len(questions)),
    }
    if revealed and submission is not None and homework.is_graded:
        view["score"] = submission.score
        view["passed"] = submission.passed
    return view


def homework_submissions_over_time(*, homework: Homework, tz) -> list[dict]:
    rows = (
        Submission.objects.filter(homework=homework)
        .annotate(hour=TruncHour("submitted_at", tzinfo=tz))
        .values("hour")
        .annotate(count=Count("id"))
        .order_by("hour")
    )
    return list(rows)


def homework_score_distribution(*, homework: Homework) -> list[dict]:
    max_score = homework.questions.count()
    counts = dict(
        Submission.objects.filter(homework=homework, score__isnull=False)
        .values_list("score")
        .annotate(n=Count("id"))
        .values_list("score", "n")
    )
    return [{"score": s, "count": counts.get(s, 0)} for s in range(max_score + 1)]


def point_biserial(
    *, submissions: int, right: int, right_totals: int, totals: int, squares: int
) -> float | None:
    """The point-biserial correlation of an item with the raw total, from
    sums: n submissions, `right` of them right on the item, `right_totals`
    the sum of their totals, `totals` and `squares` the sum of all totals
    and of their squares. r_pb = (M1 - M0) / s * sqrt(p q), s the population
    SD of the totals, is Pearson's r with a 0/1 item:
    (n R - k T) / sqrt(k (n - k) (n Q - T^2)), whose parts are integers, so
    "no spread" is exactly zero. None when it is undefined (everyone right
    or wrong, or no spread)."""
    n, k = submissions, right
    spread = n * squares - totals * totals
    if k == 0 or k == n or spread <= 0:
        return None
    return (n * right_totals - k * totals) / math.sqrt(k * (n - k) * spread)


# Per choice of the homework: how many picked it, and the sum of the raw
# totals (number correct, no late cap) of those who did; one pass over the
# homework's answers, the total of each answer's submission by a window.
# Table names from the models; values are bound.
_ITEM_TALLY_SQL = """
SELECT choice_id, COUNT(*), SUM(total) FROM (
    SELECT a.choice_id,
           SUM(CASE WHEN c.is_correct THEN 1 ELSE 0 END)
               OVER (PARTITION BY a.submission_id) AS total
    FROM {answer} a
    JOIN {choice} c ON c.id = a.choice_id
    WHERE a.question_id IN (SELECT q.id FROM {question} q WHERE q.homework_id = %s)
) AS answered
GROUP BY choice_id
"""


def homework_item_tally(*, homework: Homework) -> ItemAnalysis:
    """The item analysis's sums counted now, from every submission (an
    unsaved `ItemAnalysis`): what grading stores and what the page counts
    when nothing current is stored. Two aggregate queries."""
    sql = _ITEM_TALLY_SQL.format(
        answer=SubmissionAnswer._meta.db_table,
        choice=Choice._meta.db_table,
        question=Question._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [homework.pk])
        choices = {
            str(choice_id): [picks, int(totals)]
            for choice_id, picks, totals in cursor.fetchall()
        }
    return ItemAnalysis(
        homework=homework,
        key_version=homework.key_version,
        computed_at=timezone.now(),
        submissions=Submission.objects.filter(homework=homework).count(),
        choices=choices,
    )


def homework_item_analysis(*, homework: Homework) -> tuple[list[dict], datetime | None]:
    """Per question: share correct, how often each choice was picked, and the
    point-biserial correlation of the item with the raw total (number
    correct, no late cap); and when grading counted them, or None when
    counted now. From the sums grading stored when they are current for the
    homework (`ItemAnalysis`), else from `homework_item_tally`: the same
    numbers either way, so the page only says when stored ones were counted."""
    stored = ItemAnalysis.objects.filter(homework=homework).first()
    if stored is not None and not stored.is_current_for(homework):
        stored = None
    tally = stored or homework_item_tally(homework=homework)
    questions = list(homework.questions.prefetch_related("choices"))
    n = tally.submissions

    def sums(choice) -> tuple[int, int]:
        return tuple(tally.choices.get(str(choice.pk), (0, 0)))

    # Sum of totals = picks of right choices; sum of squared totals = the
    # pickers' totals summed over right choices (each learner's total counted
    # once per item they got right).
    right_choices = [c for q in questions for c in q.choices.all() if c.is_correct]
    totals = sum(sums(c)[0] for c in right_choices)
    squares = sum(sums(c)[1] for c in right_choices)
    analysis = []
    for number, question in enumerate(questions, start=1):
        choices = list(question.choices.all())
        right = sum(sums(c)[0] for c in choices if c.is_correct)
        right_totals = sum(sums(c)[1] for c in choices if c.is_correct)
        analysis.append(
            {
                "number": number,
                "question": question,
                "share_correct": (right / n) if n else None,
                "discrimination": point_biserial(
                    submissions=n,
                    right=right,
                    right_totals=right_totals,
                    totals=totals,
                    squares=squares,
                ),
                "choices": [
                    {
                        "choice": choice,
                        "count": sums(choice)[0],
                        "share": (sums(choice)[0] / n) if n else 0,
                    }
                    for choice in choices
                ],
            }
        )
    return analysis, stored.computed_at if stored else None


def homework_score_rows(*, homework: Homework):
    """One row per approved learner (with or without a submission)."""
    course = homework.lecture.course
    submissions = {
        s.user_id: s
        for s in Submission.objects.filter(homework=homework)
        .with_passed()
        .only("user_id", "submitted_at", "is_late", "score")
    }
    enrollments = (
        Enrollment.objects.filter(course=course, status=Enrollment.Status.APPROVED)
        .select_related("user")
        .order_by("user__email")
    )
    for enrollment in enrollments:
        yield enrollment.user, submissions.get(enrollment.user_id)


def homework_counts(*, homework: Homework) -> dict:
    return Submission.objects.filter(homework=homework).aggregate(
        submitted=Count("id"),
        late=Count("id", filter=Q(is_late=True)),
        graded=Count("id", filter=Q(score__isnull=False)),
    )


def homework_chosen_positions(*, homework: Homework) -> dict[int, dict[int, int]]:
    """{submission id: {question id: position of the chosen choice}} (staff)."""
    chosen: dict[int, dict[int, int]] = defaultdict(dict)
    for submission_id, question_id, position in SubmissionAnswer.objects.filter(
        submission__homework=homework
    ).values_list("submission_id", "question_id", "choice__position"):
        chosen[submission_id][question_id] = position
    return chosen
