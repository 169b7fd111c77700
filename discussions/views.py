"""The learner pages of a course's Q&A (staff use them too): the list, the
ask page, a question's page, and the posts from them. Every question comes
through `_get_question`, which asks the one visibility rule."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.access import course_learner_required, course_staff_required
from courses.models import Course, CourseRole, Lecture
from discussions import following, rules, search, selectors, services
from discussions.forms import AnswerForm, AskForm, CommentForm
from discussions.merge import (
    MergeRefused,
    merge_counts,
    merge_refusal,
    question_merge,
)
from discussions.models import (
    TITLE_MAX_LENGTH,
    Answer,
    Category,
    PostState,
    Question,
    guarded_category_keys,
)
from discussions.services import DiscussionError
from lms.partials import render_partial, wants_partial
from lms.ratelimit import is_rate_limited

# Similar questions fetched per learner per minute (typing, debounced, asks
# about one a second at most).
SIMILAR_PER_MINUTE = 60


class _Viewer:
    """Who is looking, asked once per request."""

    def __init__(self, request: HttpRequest, course: Course):
        self.user = request.user
        self.is_staff = rules.may_moderate(request.user, course)
        self.now = timezone.now()

    def label(self, *posts) -> None:
        """Set `shown_author` on each post: the name this viewer may read."""
        for post in posts:
            post.shown_author = post.author_label(self.user, is_staff=self.is_staff)


def _get_question(viewer: _Viewer, course: Course, pk: int) -> Question:
    """A question of the course the viewer may see, or 404 (the same for one
    that does not exist and one they may not see)."""
    return get_object_or_404(
        Question.objects.visible_to(
            viewer.user, course, viewer.now, is_staff=viewer.is_staff
        ).select_related("author", "lecture", "merged_into", "course"),
        pk=pk,
    )


def _list_filters(request: HttpRequest) -> selectors.ListFilters:
    sort = request.GET.get("sort")
    return selectors.ListFilters(
        category=Category.parse(request.GET.get("category")),
        mine=request.GET.get("mine") == "1",
        unanswered=request.GET.get("unanswered") == "1",
        sort=sort if sort == selectors.Sort.NEW else selectors.Sort.TOP,
        query=search.clean_query(request.GET.get("q")),
    )


@course_learner_required
def question_list(request: HttpRequest, course: Course) -> HttpResponse:
    viewer = _Viewer(request, course)
    filters = _list_filters(request)
    questions, after = selectors.question_page(
        course=course,
        user=viewer.user,
        now=viewer.now,
        is_staff=viewer.is_staff,
        filters=filters,
        after=request.GET.get("after"),
    )
    viewer.label(*questions)
    next_url = None
    if after:
        query = request.GET.copy()
        query["after"] = after
        next_url = f"{request.path}?{query.urlencode()}"
    counts = selectors.category_counts(
        course, viewer.user, viewer.now, is_staff=viewer.is_staff
    )
    context = {
        "course": course,
        "questions": questions,
        "filters": filters,
        "category_counts": counts,
        "total": sum(n for _category, n in counts),
        "next_url": next_url,
        "is_staff": viewer.is_staff,
        "may_ask": rules.may_take_part(viewer.user, course),
        "ask_query": urlencode({"title": filters.query}),
        "following_category": filters.category is not None
        and following.follows_category(
            user=viewer.user, course=course, category=filters.category
        ),
    }
    return render_partial(
        request, "discussions/list.html", context, partial="rows", target="more"
    )


@course_learner_required
def question_ask(request: HttpRequest, course: Course) -> HttpResponse:
    viewer = _Viewer(request, course)
    categories = selectors.category_choices(course, include_unpublished=viewer.is_staff)
    guarded = guarded_category_keys(course, viewer.now, viewer_id=viewer.user.pk)
    initial = {"category": request.GET.get("category", ""), "title": ""}
    initial["title"] = request.GET.get("title", "")[:200]
    finding = request.method == "POST" and request.POST.get("action") == "similar"
    if finding:
        # "Find similar questions" without JavaScript: nothing is posted, the
        # page comes back with the typed text and the similar questions.
        initial = {**initial, **request.POST.dict()}
        initial["title"] = initial["title"][:TITLE_MAX_LENGTH]
    form = AskForm(
        None if finding else request.POST or None,
        request.FILES or None,
        categories=categories,
        guarded=guarded,
        initial=initial,
    )
    _fetch_similar_as_typed(form, course)
    similar = []
    if initial["title"]:
        similar = search.similar_questions(
            user=viewer.user,
            course=course,
            title=initial["title"],
            now=viewer.now,
            is_staff=viewer.is_staff,
        )
    status = 200
    if request.method == "POST" and not finding:
        if form.is_valid():
            category = form.cleaned_data["category"]
            lecture = None
            if category.lecture_number is not None:
                lecture = Lecture.objects.filter(
                    course=course, number=category.lecture_number
                ).first()
            try:
                question = services.question_ask(
                    course=course,
                    author=viewer.user,
                    topic=category.topic,
                    lecture=lecture,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    anonymous=form.cleaned_data["anonymous"],
                    images=form.cleaned_data["images"],
                )
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your question is posted."))
                return redirect(question)
        status = 400
    guarded_labels = [
        category.label() for category in categories if category.key in guarded
    ]
    context = {
        "course": course,
        "form": form,
        "guarded_labels": guarded_labels,
        "is_staff": viewer.is_staff,
        "similar": similar,
        "similar_searched": bool(initial["title"]),
    }
    return render(request, "discussions/ask.html", context, status=status)


def _fetch_similar_as_typed(form: AskForm, course: Course) -> None:
    """The title field asks for similar questions as the learner types
    (debounced), into the region below it."""
    form.fields["title"].widget.attrs.update(
        {
            "hx-get": reverse("question_similar", args=[course.slug]),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": "#similar-questions",
            "hx-swap": "outerHTML",
            "hx-sync": "this:replace",
            "aria-controls": "similar-questions",
            "autocomplete": "off",
        }
    )


@require_GET
@course_learner_required
def question_similar(request: HttpRequest, course: Course) -> HttpResponse:
    """The ask page's similar questions for the title typed so far (an htmx
    fragment; a plain request goes to the ask page with the title)."""
    title = search.clean_query(request.GET.get("title"), limit=TITLE_MAX_LENGTH)
    if not wants_partial(request):
        ask = reverse("question_ask", args=[course.slug])
        return redirect(f"{ask}?{urlencode({'title': title})}")
    if is_rate_limited(
        request, action="qa-similar", limit=SIMILAR_PER_MINUTE, period=60, per_user=True
    ):
        return HttpResponse(status=204)
    viewer = _Viewer(request, course)
    similar = search.similar_questions(
        user=viewer.user,
        course=course,
        title=title,
        now=viewer.now,
        is_staff=viewer.is_staff,
    )
    return render(
        request,
        "discussions/ask.html#similar",
        {"course": course, "similar": similar, "similar_searched": bool(title)},
    )


def _question_context(request, course, viewer, question, **forms) -> dict:
    answers = selectors.question_thread(
        question, viewer.user, viewer.now, is_staff=viewer.is_staff
    )
    comments = selectors.question_comments(
        question, viewer.user, viewer.now, is_staff=viewer.is_staff
    )
    viewer.label(question, *answers, *comments)
    for answer in answers:
        viewer.label(*answer.comments.all())
    staff_ids = set(
        CourseRole.objects.filter(course=course).values_list("user_id", flat=True)
    )
    for post in (question, *answers, *comments):
        post.by_staff = post.author_id in staff_ids
    for answer in answers:
        for comment in answer.comments.all():
            comment.by_staff = comment.author_id in staff_ids
    may_reply = rules.may_reply(viewer.user, question)
    return {
        "course": course,
        "question": question,
        "answers": answers,
        "comments": comments,
        "attachments": list(question.attachments.order_by("id")),
        "guarded": question.spoiler_guarded(viewer.now),
        "is_staff": viewer.is_staff,
        "is_asker": question.author_id == viewer.user.pk,
        "may_reply": may_reply,
        "may_vote": rules.may_vote(viewer.user, question),
        "may_solve": rules.may_mark_solved(viewer.user, question),
        "voted": question.votes.filter(user=viewer.user).exists(),
        "following": following.follows_question(user=viewer.user, question=question),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "comment_form": CommentForm(),
        "PostState": PostState,
    }


@course_learner_required
def question_detail(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    viewer = _Viewer(request, course)
    try:
        question = _get_question(viewer, course, pk)
    except Http404:
        original = _merged_original(viewer, course, pk)
        if original is None:
            raise
        return redirect(original)
    context = _question_context(request, course, viewer, question)
    return render(request, "discussions/question.html", context)


def _merged_original(viewer: _Viewer, course: Course, pk: int) -> Question | None:
    """The question that `pk` was merged into, when the viewer may see it:
    a merged duplicate's address keeps working."""
    merged_into = (
        Question.objects.filter(course=course, pk=pk, state=PostState.VISIBLE)
        .exclude(merged_into=None)
        .values_list("merged_into_id", flat=True)
        .first()
    )
    if merged_into is None:
        return None
    return (
        Question.objects.visible_to(
            viewer.user, course, viewer.now, is_staff=viewer.is_staff
        )
        .filter(pk=merged_into)
        .select_related("course")
        .first()
    )


@require_POST
@course_learner_required
def question_answer(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    viewer = _Viewer(request, course)
    question = _get_question(viewer, course, pk)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            answer = services.answer_post(
                question=question,
                author=viewer.user,
                body=form.cleaned_data["body"],
                anonymous=form.cleaned_data["anonymous"],
                images=form.cleaned_data["images"],
            )
        except DiscussionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your answer is posted."))
            return redirect(answer.get_absolute_url())
    context = _question_context(request, course, viewer, question, answer_form=form)
    return render(request, "discussions/question.html", context, status=400)


@require_POST
@course_learner_required
def question_comment(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    """A comment under the question, or under one of its answers (`answer`
    in the form: an answer of this question the viewer can see)."""
    viewer = _Viewer(request, course)
    question = _get_question(viewer, course, pk)
    answer = _posted_answer(request, viewer, course, question)
    form = CommentForm(request.POST)
    anchor = f"answer-{answer.pk}" if answer else "comments"
    if not form.is_valid():
        messages.error(request, _("Write a comment (at most 20,000 characters)."))
        return redirect(f"{question.get_absolute_url()}#{anchor}")
    try:
        comment = services.comment_post(
            author=viewer.user,
            body=form.cleaned_data["body"],
            question=None if answer else question,
            answer=answer,
            anonymous=form.cleaned_data["anonymous"],
        )
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        anchor = f"comment-{comment.pk}"
    return redirect(f"{question.get_absolute_url()}#{anchor}")


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _posted_answer(
    request: HttpRequest, viewer: _Viewer, course: Course, question: Question
) -> Answer | None:
    """The form's `answer`: None when the form names none, else an answer of
    this question the viewer can see, or 404."""
    if not request.POST.get("answer"):
        return None
    answer = (
        Answer.objects.visible_to(
            viewer.user, course, viewer.now, is_staff=viewer.is_staff
        )
        .filter(question=question, pk=_int(request.POST["answer"]))
        .select_related("question__course")
        .first()
    )
    if answer is None:
        raise Http404
    return answer


@require_POST
@course_learner_required
def question_vote(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    """ "I have this question too" (or take it back); htmx swaps the button."""
    viewer = _Viewer(request, course)
    question = _get_question(viewer, course, pk)
    vote = request.POST.get("vote") != "0"
    try:
        question.votes_count = services.question_vote(
            question=question, user=viewer.user, vote=vote
        )
    except DiscussionError as error:
        messages.error(request, str(error))
        if request.htmx:
            # The whole page, with the message: not a page inside the button.
            return HttpResponseClientRedirect(question.get_absolute_url())
        return redirect(question)
    context = {
        "course": course,
        "question": question,
        "voted": vote,
        "may_vote": True,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "discussions/question.html#vote", context)
    return redirect(question)


@require_POST
@course_learner_required
def answer_endorse(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    viewer = _Viewer(request, course)
    answer = get_object_or_404(
        Answer.objects.visible_to(
            viewer.user, course, viewer.now, is_staff=viewer.is_staff
        ).select_related("question__course"),
        pk=pk,
    )
    endorse = request.POST.get("endorse") != "0"
    try:
        services.answer_endorse(answer=answer, actor=viewer.user, endorse=endorse)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The answer is endorsed.")
            if endorse
            else _("The endorsement is withdrawn."),
        )
    return redirect(answer.get_absolute_url())


@require_POST
@course_learner_required
def question_solve(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    """The asker marks the answer that solved it (`answer`), or none."""
    viewer = _Viewer(request, course)
    question = _get_question(viewer, course, pk)
    answer = _posted_answer(request, viewer, course, question)
    try:
        services.question_mark_solved(
            question=question, actor=viewer.user, answer=answer
        )
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Marked as solved. Thank you!")
            if answer
            else _("The question is open again."),
        )
    return redirect(question)


@course_learner_required
def attachment_file(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    """An image of a post, only to those who may see the post."""
    viewer = _Viewer(request, course)
    attachment = services.attachment_for_viewer(
        course=course, user=viewer.user, pk=pk, now=viewer.now
    )
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type
    )
    response["Content-Disposition"] = "inline"
    return response


def list_url(course: Course, **params) -> str:
    """The list's address with filters (for links from other pages)."""
    url = reverse("question_list", args=[course.slug])
    params = {key: value for key, value in params.items() if value}
    return f"{url}?{urlencode(params)}" if params else url


def _merge_target(course: Course, raw: str | None) -> Question | None:
    """The question staff typed or picked to merge into (its number)."""
    try:
        pk = int(raw or "")
    except ValueError:
        return None
    return (
        Question.objects.filter(course=course, pk=pk)
        .exclude(state=PostState.DELETED)
        .select_related("course", "lecture")
        .first()
    )


@course_staff_required
def staff_question_merge(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    """Merge a duplicate into the original: pick the original (similar
    questions are offered), see what moves, confirm."""
    viewer = _Viewer(request, course)
    duplicate = get_object_or_404(
        Question.objects.exclude(state=PostState.DELETED).select_related(
            "course", "lecture"
        ),
        course=course,
        pk=pk,
    )
    # A picked similar question or a typed number (the first one given).
    given = request.POST if request.method == "POST" else request.GET
    raw = next((v.strip() for v in given.getlist("into") if v.strip()), "")
    original = _merge_target(course, raw)
    refusal = ""
    if raw and original is None:
        refusal = _("There is no question #%(number)s in this course.") % {
            "number": raw[:12]
        }
    elif original is not None:
        refusal = merge_refusal(duplicate=duplicate, original=original, now=viewer.now)
    if request.method == "POST" and original is not None and not refusal:
        try:
            question_merge(
                duplicate=duplicate,
                original=original,
                actor=request.user,
                now=viewer.now,
            )
        except MergeRefused as error:
            refusal = str(error)
        else:
            messages.success(
                request,
                _("Merged: “%(duplicate)s” now leads here, with its answers.")
                % {"duplicate": duplicate.title},
            )
            return redirect(original)
    candidates = [
        question
        for question in search.similar_questions(
            user=viewer.user,
            course=course,
            title=duplicate.title,
            now=viewer.now,
            is_staff=True,
        )
        if question.pk != duplicate.pk
    ]
    context = {
        "course": course,
        "duplicate": duplicate,
        "original": original if not refusal else None,
        "refusal": refusal,
        "candidates": candidates,
        "moves": merge_counts(duplicate) if original and not refusal else None,
    }
    status = 400 if refusal else 200
    return render(request, "discussions/merge.html", context, status=status)
