"""Staff pages of the course Q&A: questions waiting longest first, the
reports queue, the moderation log (where deleted posts are restored), and
the one moderation endpoint every staff button posts to."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.access import course_staff_required
from courses.models import Course
from discussions import following, moderation
from discussions.follow_views import back_to
from discussions.models import (
    Answer,
    Category,
    Comment,
    ModerationLog,
    PostState,
    Question,
    Report,
    spoiler_guarded_q,
)
from lms.keyset import keyset_page

PAGE_SIZE = 50
WAITING, ANSWERED = "w", "a"


def category_name(topic: str, number: int | None) -> str:
    return Category(topic, number).label()


# The questions page --------------------------------------------------------


def _staff_questions(course: Course):
    """What staff look through: every question of the course but deleted
    ones (those are in the log) and those merged into another."""
    return Question.objects.filter(course=course, merged_into__isnull=True).exclude(
        state=PostState.DELETED
    )


def _cursor_parse(value: str) -> tuple[str, datetime | None, int | None] | None:
    """(segment, key time, key id) of a cursor; `a~` starts the answered
    segment. None (the first page) for anything else."""
    segment, _sep, rest = (value or "").partition("~")
    if segment == ANSWERED and not rest:
        return ANSWERED, None, None
    moment, _sep, pk = rest.rpartition("~")
    when = parse_datetime(moment) if moment else None
    if segment not in (WAITING, ANSWERED) or when is None or not pk.isdigit():
        return None
    return segment, when, int(pk)


def _cursor(segment: str, key: tuple | None) -> str:
    if key is None:
        return f"{segment}~"
    moment, pk = key
    return f"{segment}~{moment.isoformat()}~{pk}"


def _questions_page(questions, cursor) -> tuple[list[int], str]:
    """Keyset pages of ids: first the unanswered questions, longest waiting
    first (index `question_unanswered`), then the answered ones, latest
    activity first. The cursor names the segment and the last row's key.
    Only (key, id) pairs are sorted: the rows are loaded for the page."""
    segment, when, pk = cursor or (WAITING, None, None)
    keys: list = []
    if segment == WAITING:
        waiting = questions.filter(answers_count=0).order_by("created_at", "id")
        if when is not None:
            waiting = waiting.filter(
                Q(created_at__gt=when) | Q(created_at=when, id__gt=pk)
            )
        keys = list(waiting.values_list("created_at", "id")[: PAGE_SIZE + 1])
        if len(keys) > PAGE_SIZE:
            keys = keys[:PAGE_SIZE]
            return [pk for _at, pk in keys], _cursor(WAITING, keys[-1])
        when = pk = None
    answered = questions.filter(answers_count__gt=0).order_by(
        "-last_activity_at", "-id"
    )
    if when is not None:
        answered = answered.filter(
            Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk)
        )
    room = PAGE_SIZE - len(keys)
    more = list(answered.values_list("last_activity_at", "id")[: room + 1])
    ids = [pk for _at, pk in keys]
    if len(more) > room:
        more = more[:room]
        return ids + [pk for _at, pk in more], _cursor(
            ANSWERED, more[-1] if more else None
        )
    return ids + [pk for _at, pk in more], ""


@course_staff_required
def questions(request: HttpRequest, course: Course) -> HttpResponse:
    """Unanswered questions first, longest waiting first, per category."""
    now = timezone.now()
    base = _staff_questions(course)
    category = request.GET.get("category", "")
    try:
        topic, lecture = following.category_from(course, category)
    except ValueError:
        category, listed = "", base
    else:
        listed = base.filter(topic=topic, lecture=lecture)
    ids, next_cursor = _questions_page(
        listed, _cursor_parse(request.GET.get("after", ""))
    )
    page = Question.objects.filter(pk__in=ids).order_by()
    loaded = page.select_related("author", "lecture", "course").in_bulk()
    guarded = set(page.filter(spoiler_guarded_q(now)).values_list("pk", flat=True))
    rows = [loaded[pk] for pk in ids]
    for question in rows:
        question.guarded = question.pk in guarded
    waiting = (
        base.filter(answers_count=0)
        .values("topic", "lecture__number")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
        .order_by("lecture__number", "topic")
    )
    categories = [
        {
            "value": Category(row["topic"], row["lecture__number"]).key,
            "name": category_name(row["topic"], row["lecture__number"]),
            "count": row["count"],
            "oldest": row["oldest"],
        }
        for row in waiting
    ]
    query = {"category": category} if category else {}
    return render(
        request,
        "discussions/staff_questions.html",
        {
            "course": course,
            "rows": [
                {
                    "question": question,
                    "category": category_name(
                        question.topic,
                        question.lecture.number if question.lecture_id else None,
                    ),
                    "waiting": question.answers_count == 0,
                }
                for question in rows
            ],
            "categories": categories,
            "category": category,
            "category_label": next(
                (c["name"] for c in categories if c["value"] == category), category
            ),
            "next_url": (
                "?" + urlencode(query | {"after": next_cursor}) if next_cursor else ""
            ),
            "first_url": "?" + urlencode(query) if request.GET.get("after") else "",
            "open_reports": _open_reports(course),
            "now": now,
        },
    )


# Reports ---------------------------------------------------------------------


def post_item(*, question=None, answer=None, comment=None) -> dict:
    """One post as the staff queues show it: its thread, kind, link (with
    the anchor of the answer or comment), and the ids a moderation form
    posts."""
    if comment is not None:
        question = question or comment.question or comment.answer.question
        kind, anchor = _("Comment"), f"#comment-{comment.pk}"
    elif answer is not None:
        question = question or answer.question
        kind, anchor = _("Answer"), f"#answer-{answer.pk}"
    else:
        kind, anchor = "", ""
    return {
        "question": question,
        "post": comment or answer or question,
        "kind": kind,
        "url": question.get_absolute_url() + anchor,
        "answer_id": answer.pk if answer is not None and comment is None else "",
        "comment_id": comment.pk if comment is not None else "",
    }


def _newest_first(request: HttpRequest, rows, query: dict) -> tuple[list, str]:
    """A page of `rows`, newest first (`lms.keyset`), and the link to the
    next one keeping the list's `query`."""
    page = keyset_page(
        rows, keys=[("pk", True)], size=PAGE_SIZE, after=request.GET.get("after")
    )
    if not page.has_next:
        return page.rows, ""
    return page.rows, "?" + urlencode(query | {"after": page.next_cursor})


def _open_reports(course: Course) -> int:
    return Report.objects.filter(
        moderation.reports_of(course), resolved_at__isnull=True
    ).count()


def _load_reported_posts(reports: list[Report]) -> None:
    """The posts of a page of reports, one query per kind of post (one
    query joining all three kinds' threads would take longer to plan than
    to run)."""
    wanted = {
        Question: ({r.question_id for r in reports} - {None}, ("author", "course")),
        Answer: (
            {r.answer_id for r in reports} - {None},
            ("author", "question__course"),
        ),
        Comment: (
            {r.comment_id for r in reports} - {None},
            ("author", "question__course", "answer__question__course"),
        ),
    }
    found = {
        model: model.objects.select_related(*related).order_by().in_bulk(ids)
        if ids
        else {}
        for model, (ids, related) in wanted.items()
    }
    for report in reports:
        report.question = found[Question].get(report.question_id)
        report.answer = found[Answer].get(report.answer_id)
        report.comment = found[Comment].get(report.comment_id)


@course_staff_required
def reports(request: HttpRequest, course: Course) -> HttpResponse:
    """Open reports, newest first (or the handled ones), keyset by id."""
    handled = request.GET.get("handled") == "1"
    found = (
        Report.objects.filter(moderation.reports_of(course))
        .filter(resolved_at__isnull=not handled)
        .select_related("reporter", "resolved_by")
    )
    rows, next_url = _newest_first(request, found, {"handled": "1"} if handled else {})
    _load_reported_posts(rows)
    return render(
        request,
        "discussions/staff_reports.html",
        {
            "course": course,
            "rows": [
                {
                    "report": report,
                    "item": post_item(
                        question=report.question,
                        answer=report.answer,
                        comment=report.comment,
                    ),
                }
                for report in rows
            ],
            "open_reports": _open_reports(course),
            "handled": handled,
            "next_url": next_url,
        },
    )


@course_staff_required
@require_POST
def report_resolve(
    request: HttpRequest, course: Course, report_id: int
) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.filter(moderation.reports_of(course)), pk=report_id
    )
    if moderation.report_resolve(report=report, by=request.user):
        messages.success(request, _("Report marked as handled."))
    else:
        messages.info(request, _("Someone already handled this report."))
    return redirect("staff_question_reports", course.slug)


# The moderation log ----------------------------------------------------------


@course_staff_required
def moderation_log(request: HttpRequest, course: Course) -> HttpResponse:
    """Every moderation, newest first; deleted posts show here (only here)
    with a way to restore them."""
    entries = (
        ModerationLog.objects.filter(course=course)
        .select_related(
            "actor",
            "question__course",
            "answer__author",
            "comment__author",
            "question__author",
        )
        .order_by("-id")
    )
    if request.GET.get("deleted") == "1":
        entries = entries.filter(action=ModerationLog.Action.DELETE)
    rows, next_url = _newest_first(
        request, entries, {"deleted": "1"} if request.GET.get("deleted") == "1" else {}
    )
    return render(
        request,
        "discussions/staff_log.html",
        {
            "course": course,
            "rows": [
                {
                    "entry": entry,
                    "item": post_item(
                        question=entry.question,
                        answer=entry.answer,
                        comment=entry.comment,
                    ),
                }
                for entry in rows
            ],
            "open_reports": _open_reports(course),
            "deleted_only": request.GET.get("deleted") == "1",
            "next_url": next_url,
        },
    )


# The moderation endpoint -----------------------------------------------------


@course_staff_required
@require_POST
def moderate(request: HttpRequest, course: Course, question_id: int) -> HttpResponse:
    """Pin, lock, hide, delete, restore, FAQ or make public one post (the
    question, or one of its answers or comments). Hiding, deleting and
    making public ask for a confirmation first."""
    question = get_object_or_404(
        Question.objects.filter(course=course).select_related("lecture"),
        pk=question_id,
    )
    try:
        target = moderation.target_in(
            question,
            answer_id=_int(request.POST.get("answer")),
            comment_id=_int(request.POST.get("comment")),
        )
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    action = request.POST.get("action", "")
    back = back_to(request, question.get_absolute_url())
    if target.post is question and (
        action == ModerationLog.Action.DELETE or question.state == PostState.DELETED
    ):
        # a deleted question has no page: back to the list staff came from
        back = back_to(request, reverse("staff_questions", args=[course.slug]))
        if back == question.get_absolute_url():
            back = reverse("staff_questions", args=[course.slug])
    if action in moderation.CONFIRMED_ACTIONS and not request.POST.get("confirmed"):
        if action not in moderation.changes_for(target):
            messages.error(request, _("This action does not apply to this post."))
            return redirect(back)
        return render(
            request,
            "discussions/staff_confirm.html",
            {
                "course": course,
                "question": question,
                "item": post_item(
                    question=question, answer=target.answer, comment=target.comment
                ),
                "action": action,
                "action_label": moderation.VERBS[action],
                "next": back,
            },
        )
    try:
        done = moderation.post_moderate(
            course=course,
            actor=request.user,
            target=target,
            action=action,
            note=request.POST.get("note", ""),
        )
    except moderation.ModerationError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect(back)


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None
