"""Homework pages: the learner's take/review page and staff's results."""

import uuid
import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.access import course_learner_required, course_staff_required
from courses.models import Course, Lecture
from courses.selectors import extensions_covering
from lms.csv import csv_response, csv_timestamp
from lms.models import Job
from lms.partials import wants_partial
from quizzes.homework import selectors
from quizzes.homework.models import Homework
from quizzes.homework.services import (
    GRADE_JOB,
    Direct,
    HomeworkClosed,
    homework_parse_answers,
    homework_save_draft,
    homework_save_draft_direct,
    homework_start_grading,
    homework_submit,
    homework_submit_direct,
)

TAKE_TEMPLATE = "homework/take.html"


def _get_homework_for_learner(request, course: Course, number: int) -> Homework:
    homeworks = Homework.objects.select_related("lecture__course").filter(
        lecture__course=course, lecture__number=number
    )
    if not course.is_staff(request.user):
        homeworks = homeworks.filter(published=True, lecture__published=True)
    return get_object_or_404(homeworks)


def _get_homework_for_staff(course: Course, number: int) -> Homework:
    return get_object_or_404(
        Homework.objects.select_related("lecture__course"),
        lecture__course=course,
        lecture__number=number,
    )


def _parse_token(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError):
        return None


def _render_take(request, course, homework, *, now, errors=(), status=200, **extra):
    context = {
        "course": course,
        "homework": homework,
        "lecture": homework.lecture,
        "errors": list(errors),
        "token": uuid.uuid4(),
        **selectors.homework_learner_view(
            homework=homework, user=request.user, now=now
        ),
        **extra,
    }
    return render(request, TAKE_TEMPLATE, context, status=status)


def _submitted(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Both submit paths end the same way: the message, back to the page."""
    messages.success(request, _("Your answers are submitted."))
    return redirect("homework_take", slug, number)


def homework_take(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One page: answer, resubmit until closed, then review after reveal.

    A learner's submit first tries the one-statement path (no course, homework
    or question loaded; the statement checks access, the deadline and the
    answers itself). Whatever it declines, and every GET, goes through the
    full view, which gives the reason on the page."""
    if request.method == "POST" and request.user.is_authenticated:
        token = _parse_token(request.POST.get("token", ""))
        if token is not None:
            done = homework_submit_direct(
                slug=slug,
                number=number,
                user_id=request.user.pk,
                data=request.POST,
                token=token,
                now=timezone.now(),
            )
            if done is not Direct.DECLINED:
                return _submitted(request, slug, number)
    return _homework_take(request, slug, number)


@course_learner_required
def _homework_take(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    """The server's clock decides what the page shows (taken once per request)."""
    homework = _get_homework_for_learner(request, course, number)
    if not course.is_learner(request.user):
        return _homework_try(request, course, homework)
    now = timezone.now()
    if request.method != "POST":
        return _render_take(request, course, homework, now=now)
    answers, errors = homework_parse_answers(
        homework=homework, data=request.POST, require_all=True
    )
    token = _parse_token(request.POST.get("token", ""))
    if token is None and not errors:
        errors = [_("The form has expired: reload the page and submit again.")]
    if not errors:
        try:
            homework_submit(
                homework=homework,
                user=request.user,
                answers=answers,
                token=token,
                now=now,
            )
        except HomeworkClosed:
            errors = [_("This homework does not accept answers now: nothing saved.")]
        else:
            return _submitted(request, course.slug, number)
    return _render_take(request, course, homework, now=now, errors=errors, status=400)


@require_POST
def homework_draft(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Save the clicked answers as a draft (htmx); without htmx, back to the page.
    Like the submit, a learner's draft first tries the one-statement path."""
    if request.user.is_authenticated:
        now = timezone.now()
        done, course_timezone = homework_save_draft_direct(
            slug=slug,
            number=number,
            user_id=request.user.pk,
            data=request.POST,
            now=now,
        )
        if done is Direct.SAVED:
            if not wants_partial(request):
                return redirect("homework_take", slug, number)
            context = {"draft_errors": [], "draft_saved_at": now, "saved": True}
            # The time in the course's zone, as on the rest of its pages.
            with timezone.override(zoneinfo.ZoneInfo(course_timezone)):
                return render(request, f"{TAKE_TEMPLATE}#draft_status", context)
    return _homework_draft(request, slug, number)


@course_learner_required
def _homework_draft(request: HttpRequest, course: Course, number: int):
    homework = _get_homework_for_learner(request, course, number)
    answers, errors = homework_parse_answers(
        homework=homework, data=request.POST, require_all=False
    )
    status = 200
    if not errors:
        try:
            homework_save_draft(homework=homework, user=request.user, answers=answers)
        except HomeworkClosed:
            errors = [_("This homework does not accept answers now: nothing saved.")]
    if errors:
        status = 400
    if not wants_partial(request):
        if errors:
            return _render_take(
                request, course, homework, now=timezone.now(), errors=errors, status=400
            )
        return redirect(homework.get_absolute_url())
    return render(
        request,
        f"{TAKE_TEMPLATE}#draft_status",
        {"draft_errors": errors, "draft_saved_at": timezone.now(), "saved": not errors},
        status=status,
    )


def _homework_try(request: HttpRequest, course: Course, homework: Homework):
    """Staff try a homework as a learner sees it, open or not: they answer and
    get the score and the key's feedback, and nothing is stored or counted
    (only approved learners answer: `Homework.objects.accepting`)."""
    answers: dict[int, int] = {}
    errors: list[str] = []
    if request.method == "POST":
        answers, errors = homework_parse_answers(
            homework=homework, data=request.POST, require_all=True
        )
    tried = request.method == "POST" and not errors
    view = selectors.homework_learner_view(
        homework=homework, user=request.user, now=timezone.now(), posted=answers,
        reveal=tried,
    )  # fmt: skip
    view.update(submission=None, has_draft=False, accepting=not tried)
    if tried:
        view["tried_score"] = sum(
            1 for question in view["questions"] if question["answered_correctly"]
        )
    return render(
        request,
        TAKE_TEMPLATE,
        {
            "course": course,
            "homework": homework,
            "lecture": homework.lecture,
            "staff_try": True,
            "errors": errors,
            "token": uuid.uuid4(),
            **view,
        },
        status=400 if errors else 200,
    )


@course_staff_required
def homework_preview(request: HttpRequest, course: Course, number: int):
    """Staff try the homework (also before it opens, or unpublished)."""
    return _homework_try(request, course, _get_homework_for_staff(course, number))


@course_staff_required
def homework_results(request: HttpRequest, course: Course, number: int):
    homework = _get_homework_for_staff(course, number)
    over_time = selectors.homework_submissions_over_time(
        homework=homework, tz=course.tzinfo
    )
    distribution = selectors.homework_score_distribution(homework=homework)
    peak_time = max((row["count"] for row in over_time), default=0) or 1
    peak_score = max((row["count"] for row in distribution), default=0) or 1
    for index, row in enumerate(over_time):
        row["height"] = round(row["count"] * 100 / peak_time)
        row.update(x=index * 10, y=100 - row["height"])
    for index, row in enumerate(distribution):
        row["height"] = round(row["count"] * 100 / peak_score)
        row.update(
            x=index * 100 + 10,
            center=index * 100 + 50,
            y=110 - row["height"],
            label_y=max(12, 106 - row["height"]),
        )
    job = (
        Job.objects.filter(kind=GRADE_JOB, params__homework_id=homework.pk)
        .order_by("-created_at")
        .first()
    )
    return render(
        request,
        "homework/results.html",
        {
            "course": course,
            "homework": homework,
            "lecture": homework.lecture,
            "counts": selectors.homework_counts(homework=homework),
            "extended": extensions_covering(
                course=course,
                scope="homework",
                lecture=homework.lecture,
                due_at=homework.due_at,
            ),
            "over_time": over_time,
            "over_time_width": max(10, len(over_time) * 10),
            "distribution": distribution,
            "distribution_width": len(distribution) * 100,
            "items": selectors.homework_item_analysis(homework=homework),
            "job": job,
        },
    )


@require_POST
@course_staff_required
def homework_grade_now(request: HttpRequest, course: Course, number: int):
    homework = _get_homework_for_staff(course, number)
    homework_start_grading(homework=homework, user=request.user)
    messages.success(request, _("Grading started."))
    return redirect("homework_results", course.slug, number)


@course_staff_required
def homework_scores_csv(request: HttpRequest, course: Course, number: int):
    homework = _get_homework_for_staff(course, number)
    question_ids = list(homework.questions.values_list("id", flat=True))
    max_score = len(question_ids)
    chosen = selectors.homework_chosen_positions(homework=homework)

    def rows():
        for user, submission in selectors.homework_score_rows(homework=homework):
            if submission is None:
                yield [user.email, user.name, "", "", "", max_score, ""]
                continue
            graded = submission.score is not None
            answers = chosen.get(submission.pk, {})
            yield [
                user.email,
                user.name,
                csv_timestamp(submission.submitted_at, course.tzinfo),
                int(submission.is_late),
                submission.score if graded else "",
                max_score,
                int(submission.passed) if graded else "",
                *(answers.get(question_id, "") for question_id in question_ids),
            ]

    return csv_response(
        rows(),
        filename=f"{course.slug}-homework-{number}-scores.csv",
        header=["email", "name", "submitted_at", "late", "score", "max_score", "passed"]
        + [f"q{n}_choice" for n in range(1, max_score + 1)],
    )


@course_staff_required
def homework_export_gift(request: HttpRequest, course: Course, number: int):
    from quizzes.homework.gift import export_gift

    homework = _get_homework_for_staff(course, number)
    response = HttpResponse(
        export_gift(homework.questions.prefetch_related("choices")),
        content_type="text/plain; charset=utf-8",
    )
    filename = f"{course.slug}-homework-{number}.gift.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@course_staff_required(admin=True)
def homework_import(request: HttpRequest, course: Course, number: int):
    """Paste or upload GIFT / Moodle XML, see a preview with per-question
    errors, then save all questions or none."""
    from quizzes.homework.forms import HomeworkImportForm
    from quizzes.homework.gift import homework_import_questions, parse_questions

    lecture = get_object_or_404(Lecture, course=course, number=number)
    form = HomeworkImportForm(request.POST or None, request.FILES or None)
    parsed = None
    if request.method == "POST" and form.is_valid():
        homework = Homework.objects.filter(lecture=lecture).first()
        parsed = parse_questions(
            form.cleaned_data["text"],
            form.cleaned_data["kind"],
            shape=(homework or Homework(lecture=lecture)).shape(),
        )
        if "save" in request.POST and parsed.ok:
            try:
                homework = homework_import_questions(lecture=lecture, parsed=parsed)
            except ValidationError as error:
                parsed.errors.extend(error.messages)
            else:
                messages.success(
                    request,
                    _("Imported %(count)d questions.")
                    % {"count": len(parsed.questions)},
                )
                return redirect(
                    "homework_results", course.slug, homework.lecture.number
                )
    return render(
        request,
        "homework/import.html",
        {"course": course, "lecture": lecture, "form": form, "parsed": parsed},
        status=400 if parsed is not None and not parsed.ok else 200,
    )
