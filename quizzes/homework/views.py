"""Homework pages: the learner's take/review page and staff's results."""

import contextlib
import uuid
import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from courses.access import course_learner_required, course_staff_required
from courses.models import Course, Lecture
from courses.selectors import extensions_covering
from lms.charts import Bar, bar_chart, hour_tick_step, hourly_bars
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
        homeworks = homeworks.visible_to_learners()
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


def _render_take(
    request, course, homework, *, now, errors=(), status=200, posted=None, **extra
):
    """The page; after a refused submit, with the posted answers still checked
    and the unanswered questions marked."""
    context = {
        "course": course,
        "homework": homework,
        "lecture": homework.lecture,
        "errors": list(errors),
        "mark_missing": bool(errors) and posted is not None,
        "token": uuid.uuid4(),
        **selectors.homework_learner_view(
            homework=homework, user=request.user, now=now, posted=posted
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
    elif answers:
        # Not submitted, but not lost: the given answers are kept as the
        # draft (as autosave would have with JavaScript) and shown checked.
        with contextlib.suppress(HomeworkClosed):
            homework_save_draft(
                homework=homework, user=request.user, answers=answers, now=now
            )
    return _render_take(
        request, course, homework, now=now, errors=errors, status=400, posted=answers
    )


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


def _on_step(hour, step: int) -> bool:
    """A time-axis label goes on every `step`-th hour of the day, or at
    midnight every `step / 24` days."""
    if step < 24:
        return hour.hour % step == 0
    return hour.hour == 0 and hour.toordinal() % (step // 24) == 0


@course_staff_required
def homework_results(request: HttpRequest, course: Course, number: int):
    homework = _get_homework_for_staff(course, number)
    over_time = selectors.homework_submissions_over_time(
        homework=homework, tz=course.tzinfo
    )
    distribution = selectors.homework_score_distribution(homework=homework)
    hours = hourly_bars(over_time)
    step = hour_tick_step(len(hours))
    tick_format = "m-d H:00" if step < 24 else "m-d"
    over_time_chart = bar_chart(
        [
            Bar(
                label=date_format(row["hour"], "Y-m-d H:00"),
                count=row["count"],
                tick=date_format(row["hour"], tick_format)
                if _on_step(row["hour"], step)
                else "",
            )
            for row in hours
        ],
        title=_("Submissions per hour"),
        x_title=_("Hour (%(zone)s)") % {"zone": str(course.tzinfo)},
        y_title=_("Submissions"),
    )
    distribution_chart = bar_chart(
        [Bar(label=str(row["score"]), count=row["count"]) for row in distribution],
        title=_("Score distribution"),
        x_title=_("Score (correct answers)"),
        y_title=_("Learners"),
        show_counts=True,
    )
    job = (
        Job.objects.filter(kind=GRADE_JOB, params__homework_id=homework.pk)
        .order_by("-created_at")
        .first()
    )
    items, items_counted_at = selectors.homework_item_analysis(homework=homework)
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
            "over_time_chart": over_time_chart,
            "distribution": distribution,
            "distribution_chart": distribution_chart,
            "items": items,
            "items_counted_at": items_counted_at,
            "job": job,
            "is_course_admin": course.is_admin(request.user),
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
                    ngettext(
                        "Imported %(count)d question.",
                        "Imported %(count)d questions.",
                        len(parsed.questions),
                    )
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


# Authoring -------------------------------------------------------------------


def _preview_questions(data, shape: tuple[int, int]) -> list[dict]:
    """What the author typed so far (valid or not), for the live preview."""
    from quizzes.homework.forms import CHOICE_MAX_CHARS, QUESTION_MAX_CHARS

    questions, choices = shape
    preview = []
    for q in range(1, questions + 1):
        correct = data.get(f"q{q}-correct", "")
        preview.append(
            {
                "number": q,
                "title": data.get(f"q{q}-title", "")[:200],
                "text": data.get(f"q{q}-text", "")[:QUESTION_MAX_CHARS],
                "explanation": data.get(f"q{q}-explanation", "")[:QUESTION_MAX_CHARS],
                "choices": [
                    {
                        "text": data.get(f"q{q}-c{c}-text", "")[:CHOICE_MAX_CHARS],
                        "is_correct": correct == str(c),
                    }
                    for c in range(1, choices + 1)
                ],
            }
        )
    return preview


def _edit_context(request, course, lecture, homework, **forms) -> dict:
    from quizzes.homework.forms import HomeworkQuestionsForm, HomeworkSettingsForm
    from quizzes.homework.services import homework_shape_errors

    saved = homework.pk is not None
    questions_form = forms.get("questions_form") or HomeworkQuestionsForm(
        initial=HomeworkQuestionsForm.initial_from(homework) if saved else {},
        shape=homework.shape(),
    )
    data = questions_form.data if questions_form.is_bound else questions_form.initial
    if not questions_form.is_bound:
        data = {k: str(v) for k, v in data.items()}
    return {
        "course": course,
        "lecture": lecture,
        "homework": homework,
        "settings_form": forms.get("settings_form")
        or HomeworkSettingsForm(instance=homework),
        "questions_form": questions_form,
        "preview": _preview_questions(data, homework.shape()),
        "shape_errors": homework_shape_errors(homework=homework) if saved else [],
        "publish_errors": forms.get("publish_errors", []),
        "submissions": homework.submissions.count() if saved else 0,
        "now": timezone.now(),
    }


def _homework_or_draft(lecture: Lecture) -> Homework:
    """The lecture's homework, or an unsaved one with the course defaults
    (created on the first save, so a visit changes nothing)."""
    from quizzes.homework.models import HomeworkDefaults

    homework = (
        Homework.objects.select_related("lecture__course")
        .filter(lecture=lecture)
        .first()
    )
    if homework is None:
        defaults = HomeworkDefaults.of(lecture.course)
        homework = Homework(
            lecture=lecture,
            pass_mark=defaults.pass_mark,
            **defaults.dates_for(lecture),
        )
    return homework


@course_staff_required(admin=True)
def homework_edit(request: HttpRequest, course: Course, number: int):
    """Write the questions with a live preview, set the dates, publish."""
    from quizzes.homework.forms import HomeworkQuestionsForm, HomeworkSettingsForm
    from quizzes.homework.services import (
        KeyChangeNeedsRegrade,
        homework_for_lecture,
        homework_publish,
        homework_save_questions,
        homework_unpublish,
    )

    lecture = get_object_or_404(
        Lecture.objects.select_related("course"), course=course, number=number
    )
    homework = _homework_or_draft(lecture)
    action = request.POST.get("action", "")
    url = reverse("homework_edit", args=[course.slug, number])
    if request.method != "POST":
        return render(
            request,
            "homework/edit.html",
            _edit_context(request, course, lecture, homework),
        )
    if action == "settings":
        form = HomeworkSettingsForm(request.POST, instance=homework)
        if form.is_valid():
            form.save()
            messages.success(request, _("The homework's dates and rules were saved."))
            return redirect(url)
        context = _edit_context(request, course, lecture, homework, settings_form=form)
        return render(request, "homework/edit.html", context, status=400)
    if action in {"questions", "preview"}:
        form = HomeworkQuestionsForm(request.POST, shape=homework.shape())
        if action == "questions" and form.is_valid():
            try:
                with transaction.atomic():
                    homework = homework_for_lecture(lecture=lecture)
                    key_changed = homework_save_questions(
                        homework=homework,
                        questions=form.questions(),
                        regrade=request.POST.get("regrade") == "on",
                    )
            except KeyChangeNeedsRegrade as refused:
                form.add_error(None, str(refused))
            except ValidationError as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _(
                        "The questions were saved. The answer key changed: "
                        "every submission is graded again."
                    )
                    if key_changed and homework.submissions.exists()
                    else _("The questions were saved."),
                )
                return redirect(url)
        context = _edit_context(request, course, lecture, homework, questions_form=form)
        status = 200 if action == "preview" else 400
        return render(request, "homework/edit.html", context, status=status)
    if action in {"publish", "unpublish"} and homework.pk:
        try:
            if action == "publish":
                homework_publish(homework=homework)
            else:
                homework_unpublish(homework=homework)
        except ValidationError as refused:
            context = _edit_context(
                request, course, lecture, homework, publish_errors=refused.messages
            )
            return render(request, "homework/edit.html", context, status=400)
        if action == "unpublish":
            messages.success(request, _("The homework is hidden from learners."))
        elif homework.opens_at > timezone.now():
            messages.success(
                request,
                _("The homework is published: learners can answer it from %(at)s.")
                % {
                    "at": timezone.localtime(homework.opens_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                },
            )
        else:
            messages.success(request, _("The homework is published and open."))
        return redirect(url)
    messages.error(request, _("Write and save the questions first."))
    return redirect(url)


@require_POST
@course_staff_required(admin=True)
def homework_edit_preview(request: HttpRequest, course: Course, number: int):
    """The live preview (htmx): what learners will see, rendered by the same
    Markdown renderer, from what is typed so far. Nothing is saved."""
    lecture = get_object_or_404(Lecture, course=course, number=number)
    homework = _homework_or_draft(lecture)
    return render(
        request,
        "homework/edit.html#preview",
        {"preview": _preview_questions(request.POST, homework.shape())},
    )


@course_staff_required(admin=True)
def homework_defaults(request: HttpRequest, course: Course):
    """The course's homework shape, pass mark, due time and late policy:
    what each new lecture's homework starts with."""
    from quizzes.homework.forms import HomeworkDefaultsForm
    from quizzes.homework.models import HomeworkDefaults

    form = HomeworkDefaultsForm(
        request.POST or None, instance=HomeworkDefaults.of(course)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The homework defaults were saved."))
        return redirect("staff_setup", course.slug)
    return render(
        request,
        "components/staff_settings_page.html",
        {
            "course": course,
            "form": form,
            "heading": _("Homework defaults"),
            "intro": _(
                "New lectures' homework starts with these; each homework's own "
                "dates can be changed on its page. The shape applies to "
                "homework that does not set its own."
            ),
        },
        status=400 if form.errors else 200,
    )
