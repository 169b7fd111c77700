"""What any reader of the course Q&A does besides posting: follow or
unfollow a question or a whole category, and report a post to staff. Every
view finds the question through `Question.objects.visible_to`, so nobody
follows or reports what they may not see."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.access import course_learner_required
from courses.models import Course
from discussions import following, moderation
from discussions.models import Question
from lms.partials import wants_partial


def _visible_question(request: HttpRequest, course: Course, question_id: int):
    return get_object_or_404(
        Question.objects.visible_to(
            request.user, course, timezone.now()
        ).select_related("course", "lecture"),
        pk=question_id,
    )


def back_to(request: HttpRequest, fallback: str) -> str:
    """Where a form posted from a page returns: its `next` when it is a
    page of this site (an absolute path: `redirect()` would take a bare word
    for a view name), else `fallback`."""
    url = request.POST.get("next", "")
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


@course_learner_required
@require_POST
def question_follow(request: HttpRequest, course: Course, question_id: int):
    """Follow (`follow=1`) or unfollow (`follow=0`) a question. htmx swaps
    the button; without JavaScript the page is loaded again."""
    question = _visible_question(request, course, question_id)
    if request.POST.get("follow") == "0":
        following.question_unfollow(user=request.user, question=question)
        followed = False
        message = _("You no longer follow this question.")
    else:
        following.question_follow(user=request.user, question=question)
        followed = True
        message = _("You follow this question: new answers reach you as notifications.")
    if wants_partial(request):
        return render(
            request,
            "discussions/_follow.html",
            {
                "course": course,
                "question": question,
                "following": followed,
                "next": back_to(request, question.get_absolute_url()),
            },
        )
    messages.success(request, message)
    return redirect(back_to(request, question.get_absolute_url()))


@course_learner_required
@require_POST
def category_follow(request: HttpRequest, course: Course) -> HttpResponse:
    """Follow or unfollow a whole category: new questions in it, and new
    answers and endorsements on any of its questions."""
    try:
        topic, lecture = following.category_from(
            course, request.POST.get("category", "")
        )
    except ValueError:
        return HttpResponseBadRequest(_("There is no such category in this course."))
    follow = request.POST.get("follow") != "0"
    change = following.category_follow if follow else following.category_unfollow
    change(user=request.user, course=course, topic=topic, lecture=lecture)
    value = request.POST.get("category")
    if wants_partial(request):
        return render(
            request,
            "discussions/_follow.html",
            {
                "course": course,
                "category": value,
                "following": follow,
                "next": back_to(request, reverse("question_list", args=[course.slug])),
            },
        )
    messages.success(
        request,
        _("You follow this category.")
        if follow
        else _("You no longer follow this category."),
    )
    return redirect(
        back_to(
            request, reverse("question_list", args=[course.slug]) + f"?category={value}"
        )
    )


@course_learner_required
def post_report(request: HttpRequest, course: Course, question_id: int):
    """Tell staff about a post (the question, `?answer=` or `?comment=`): a
    page with the post and a reason, so it works without JavaScript."""
    question = _visible_question(request, course, question_id)
    source = request.POST if request.method == "POST" else request.GET
    try:
        target = moderation.target_in(
            question,
            answer_id=_int(source.get("answer")),
            comment_id=_int(source.get("comment")),
        )
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    if not _may_see(request, course, target):
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            moderation.post_report(
                reporter=request.user, target=target, reason=request.POST.get("reason")
            )
        except moderation.ModerationError as refused:
            error = str(refused)
        else:
            messages.success(
                request, _("Thank you. Staff will look at the post you reported.")
            )
            return redirect(question.get_absolute_url())
    return render(
        request,
        "discussions/report.html",
        {
            "course": course,
            "question": question,
            "target": target,
            "post": target.post,
            "error": error,
            "reason": request.POST.get("reason", ""),
        },
        status=400 if error else 200,
    )


def _may_see(request: HttpRequest, course: Course, target: moderation.Target) -> bool:
    """An answer or comment is reportable by those who may see it (its own
    visibility follows the question's, `visible_to`)."""
    post = target.comment or target.answer
    if post is None:
        return True
    return (
        type(post)
        .objects.visible_to(request.user, course, timezone.now())
        .filter(pk=post.pk)
        .exists()
    )


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None
