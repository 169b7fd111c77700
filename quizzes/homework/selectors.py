"""Homework reads: the learner's page and the staff's figures."""

import math
from collections import Counter, defaultdict
from datetime import datetime

from django.db.models import Count, Q, Value
from django.db.models.functions import TruncHour

from courses.models import ACCEPTING_WINDOWS, Enrollment
from quizzes.homework.models import (
    DraftAnswer,
    Homework,
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


def point_biserial(item: list[int], totals: list[float]) -> float | None:
    """r_pb = (M1 - M0) / s * sqrt(p q), s the population SD of the totals.
    None when it is undefined (everyone right or wrong, or no spread)."""
    n = len(totals)
    if n == 0:
        return None
    right = [t for i, t in zip(item, totals, strict=True) if i]
    wrong = [t for i, t in zip(item, totals, strict=True) if not i]
    if not right or not wrong:
        return None
    mean = sum(totals) / n
    sd = math.sqrt(sum((t - mean) ** 2 for t in totals) / n)
    if sd == 0:
        return None
    p = len(right) / n
    return (
        (sum(right) / len(right) - sum(wrong) / len(wrong))
        / sd
        * math.sqrt(p * (1 - p))
    )


def homework_item_analysis(*, homework: Homework) -> list[dict]:
    """Per question: share correct, how often each choice was picked, and the
    point-biserial correlation of the item with the raw total (number
    correct, no late cap)."""
    questions = list(homework.questions.prefetch_related("choices"))
    rows = SubmissionAnswer.objects.filter(submission__homework=homework).values_list(
        "submission_id", "question_id", "choice_id", "choice__is_correct"
    )
    by_submission: dict[int, dict[int, bool]] = defaultdict(dict)
    picks: Counter = Counter()
    for submission_id, question_id, choice_id, is_correct in rows:
        by_submission[submission_id][question_id] = is_correct
        picks[choice_id] += 1
    submission_ids = list(
        Submission.objects.filter(homework=homework).values_list("id", flat=True)
    )
    totals = [sum(by_submission[s].values()) for s in submission_ids]
    n = len(submission_ids)
    analysis = []
    for number, question in enumerate(questions, start=1):
        item = [1 if by_submission[s].get(question.id) else 0 for s in submission_ids]
        analysis.append(
            {
                "number": number,
                "question": question,
                "share_correct": (sum(item) / n) if n else None,
                "discrimination": point_biserial(item, totals),
                "choices": [
                    {
                        "choice": choice,
                        "count": picks[choice.id],
                        "share": (picks[choice.id] / n) if n else 0,
                    }
                    for choice in question.choices.all()
                ],
            }
        )
    return analysis


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
