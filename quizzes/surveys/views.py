"""Views of the weekly survey: the learner's page and the staff pages."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from courses.access import course_learner_required, course_staff_required
from courses.models import ACCEPTING_WINDOWS, Course
from courses.selectors import extensions_covering
from lms.counts import estimated_count
from lms.csv import csv_response
from lms.keyset import keyset_page
from lms.models import Job
from lms.partials import render_partial, wants_partial
from lms.ratelimit import is_rate_limited
from quizzes.surveys import selectors
from quizzes.surveys.forms import ReviewForm, SurveyAnswerForm
from quizzes.surveys.models import (
    CopyPair,
    Survey,
    SurveyCourseSettings,
    SurveyResponse,
    count_summary_chars,
)
from quizzes.surveys.services import (
    COPY_JOB_KIND,
    SurveyClosed,
    survey_accept_many,
    survey_review,
    survey_save_draft,
    survey_set_only_accepted_count,
    survey_set_published,
    survey_start_copy_detection,
    survey_submit,
)

PAGE_TEMPLATE = "surveys/survey.html"

# The live preview renders at most this much of the summary (the default
# summary limit): rendering hostile Markdown of this length costs tens of
# milliseconds (bench/bench_markdown.py), and the preview is for checking
# the formatting, not for reading a whole long text again.
PREVIEW_MAX_CHARS = 2000
# Autosave fires at most once a second while typing; twice that per minute
# is far more than a person needs and caps what one account can cost.
PREVIEWS_PER_MINUTE = 120


# The learner's side ------------------------------------------------------


@course_learner_required
def survey(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    """Write, preview, save and submit the summary survey. Works as a plain
    form (buttons post an `action`); htmx adds autosave and a live preview."""
    survey = selectors.get_survey_for_learner(course, number, request.user)
    questions = list(survey.questions.all())
    now = timezone.now()
    window, due_in_force = survey.window_at(now, user_id=request.user.pk)
    # Staff try the survey as learners see it, with feedback, but nothing
    # they type is stored: only approved learners answer (the rule in
    # Survey.objects.accepting, which the services apply).
    staff_try = not course.is_learner(request.user)
    accepts = window in ACCEPTING_WINDOWS and not staff_try
    status = 200
    preview = None
    restored_draft = None
    closed_refusal = False
    preview_refused = False
    tried = False
    if request.method == "POST":
        form = SurveyAnswerForm(request.POST, survey=survey, questions=questions)
        action = request.POST.get("action", "submit")
        if action == "preview":
            # Previewing is not submitting: show the text, not validation errors.
            typed, typed_answers = form.raw_summary(), form.raw_answers()
            if (accepts or staff_try) and _preview_allowed(request):
                preview = typed
                if accepts:
                    _save_draft_if_open(survey, request.user, typed, typed_answers)
            elif accepts or staff_try:
                preview_refused, status = True, 429
            form = SurveyAnswerForm(
                initial=SurveyAnswerForm.initial_from(
                    summary=typed, answers=typed_answers
                ),
                survey=survey,
                questions=questions,
            )
        elif action == "draft" and accepts:
            if _save_draft_if_open(
                survey, request.user, form.raw_summary(), form.raw_answers()
            ):
                messages.success(request, _("Your draft is saved."))
                return redirect(request.path)
            closed_refusal, status = True, 403
        elif staff_try:
            tried = form.is_valid()
        elif not accepts:
            closed_refusal, status = True, 403
        elif form.is_valid():
            try:
                survey_submit(
                    survey=survey,
                    user=request.user,
                    summary=form.cleaned_data["summary"],
                    answers=form.answers(),
                    now=now,
                )
            except SurveyClosed:
                closed_refusal, status = True, 403
            else:
                messages.success(
                    request,
                    _("Your late answer is submitted.")
                    if window == Survey.State.LATE
                    else _(
                        "Your survey is submitted. You can edit it until the due time."
                    ),
                )
                return redirect(request.path)
    response = selectors.own_response(survey, request.user)
    if request.method != "POST":
        draft = selectors.own_draft(survey, request.user)
        source = response
        if draft is not None and (
            response is None
            or (
                draft.saved_at > response.updated_at
                and (draft.summary, draft.answers)
                != (response.summary, _as_text(response.answers))
            )
        ):
            source = restored_draft = draft
        initial = (
            SurveyAnswerForm.initial_from(
                summary=source.summary, answers=source.answers
            )
            if source is not None
            else {}
        )
        form = SurveyAnswerForm(initial=initial, survey=survey, questions=questions)
    summary_text = (
        form.raw_summary() if form.is_bound else form.initial.get("summary", "")
    )
    context = {
        "course": course,
        "lecture": survey.lecture,
        "survey": survey,
        "form": form,
        "response": response,
        "restored_draft": restored_draft,
        **_preview_context(preview),
        "preview_refused": preview_refused,
        "closed_refusal": closed_refusal,
        "accepts_answers": accepts,
        "staff_try": staff_try,
        "tried": tried,
        "window": window,
        "due_in_force": due_in_force,
        "extended": due_in_force != survey.due_at,
        "char_count": count_summary_chars(summary_text),
    }
    return render(request, PAGE_TEMPLATE, context, status=status)


@require_POST
@course_learner_required
def survey_draft(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    """htmx autosave: store the draft and answer with its status and a fresh
    Markdown preview. Without htmx, back to the page."""
    survey = selectors.get_survey_for_learner(course, number, request.user)
    staff_try = not course.is_learner(request.user)
    if not _preview_allowed(request):
        context = {"survey": survey, "oob": True, "preview_refused": True}
        return HttpResponse(
            render_to_string(f"{PAGE_TEMPLATE}#draft_status", context, request),
            status=429,
        )
    form = SurveyAnswerForm(request.POST, survey=survey)
    saved_at = None
    if not staff_try:
        saved_at = _save_draft_if_open(
            survey, request.user, form.raw_summary(), form.raw_answers()
        )
    if not wants_partial(request):
        return redirect("survey", course.slug, number)
    # A closed survey shows no preview: nothing to write, nothing to render.
    shown = form.raw_summary() if saved_at is not None or staff_try else None
    context = {
        "survey": survey,
        "saved_at": saved_at,
        "accepts_answers": saved_at is not None,
        "staff_try": staff_try,
        "oob": True,
        **_preview_context(shown),
    }
    return HttpResponse(
        render_to_string(f"{PAGE_TEMPLATE}#draft_status", context, request)
        + render_to_string(f"{PAGE_TEMPLATE}#preview", context, request)
    )


def _preview_allowed(request: HttpRequest) -> bool:
    """Each preview renders Markdown: one account gets a bounded number."""
    return not is_rate_limited(
        request,
        action="survey-preview",
        limit=PREVIEWS_PER_MINUTE,
        period=60,
        per_user=True,
    )


def _preview_context(text: str | None) -> dict:
    """The part of the summary the preview renders, and whether it was cut."""
    text = text or ""
    return {
        "preview": text[:PREVIEW_MAX_CHARS],
        "preview_truncated": len(text) > PREVIEW_MAX_CHARS,
        "preview_max_chars": PREVIEW_MAX_CHARS,
    }


def _save_draft_if_open(survey, user, summary: str, answers: dict):
    """Save the draft; when it was saved, or None when the survey takes no
    answers from this user now."""
    try:
        return survey_save_draft(
            survey=survey, user=user, summary=summary, answers=answers
        )
    except SurveyClosed:
        return None


def _as_text(answers: dict) -> dict:
    """Answers as a draft stores them (typed text), to compare with a draft."""
    return {key: str(value) for key, value in answers.items()}


# The staff side ----------------------------------------------------------


@course_staff_required
def staff_surveys(request: HttpRequest, course: Course) -> HttpResponse:
    lectures = (
        course.lectures.filter(survey__isnull=False)
        .select_related("survey")
        .annotate(responses=Count("survey__responses"))
        .order_by("number")
    )
    return render(
        request,
        "surveys/staff_index.html",
        {
            "course": course,
            "lectures": lectures,
            "learners": selectors.learner_count(course),
            "only_accepted": selectors.only_accepted_count(course),
            "is_admin": course.is_admin(request.user),
        },
    )


@require_POST
@course_staff_required(admin=True)
def staff_survey_settings(request: HttpRequest, course: Course) -> HttpResponse:
    survey_set_only_accepted_count(
        course=course, value=request.POST.get("only_accepted") == "on"
    )
    messages.success(request, _("Survey settings saved."))
    return redirect("staff_surveys", course.slug)


@course_staff_required
def staff_survey(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    """Response rate, rating distributions and the free comments."""
    survey = selectors.get_survey_for_staff(course, number)
    overview = selectors.survey_overview(survey)
    question = None
    question_id = request.GET.get("question", "")
    if question_id.isdigit():
        question = next(
            (q for q in overview["comment_questions"] if q.pk == int(question_id)),
            None,
        )
    search = request.GET.get("q", "").strip()
    comments = Paginator(
        selectors.survey_comments(survey, question=question, search=search), 50
    ).get_page(request.GET.get("page"))
    context = {
        "course": course,
        "survey": survey,
        "lecture": survey.lecture,
        "comments": comments,
        "question": question,
        "search": search,
        "extended": extensions_covering(
            course=course, scope="survey", lecture=survey.lecture, due_at=survey.due_at
        ),
        **overview,
    }
    return render_partial(
        request,
        "surveys/staff_survey.html",
        context,
        partial="comments",
        target="comments",
    )


@course_staff_required(admin=True)
def staff_survey_edit(request: HttpRequest, course: Course, number: int):
    """One lecture's survey: its dates and summary lengths, and publishing
    it (the schedule creates every survey unpublished)."""
    from quizzes.surveys.forms import SurveySettingsForm

    survey = selectors.get_survey_for_staff(course, number)
    url = reverse("staff_survey_edit", args=[course.slug, number])
    action = request.POST.get("action", "")
    form = SurveySettingsForm(
        request.POST if action == "settings" else None, instance=survey
    )
    if request.method == "POST":
        if action == "settings" and form.is_valid():
            form.save()
            messages.success(request, _("The survey's dates and rules were saved."))
            return redirect(url)
        if action in {"publish", "unpublish"}:
            survey_set_published(survey=survey, published=action == "publish")
            messages.success(
                request,
                _("The survey is published: learners see it.")
                if action == "publish"
                else _("The survey is hidden from learners."),
            )
            return redirect(url)
    return render(
        request,
        "surveys/staff_survey_edit.html",
        {"course": course, "survey": survey, "lecture": survey.lecture, "form": form},
        status=400 if form.errors or request.method == "POST" else 200,
    )


@course_staff_required
def staff_summaries(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    search = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    flag = request.GET.get("flag", "")
    if flag not in selectors.REVIEW_FLAGS:
        flag = ""
    rows = selectors.review_list(survey, search=search, state=state, flag=flag)
    page = keyset_page(
        rows,
        keys=selectors.REVIEW_KEYS,
        size=25,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    query = {k: v for k, v in {"q": search, "state": state, "flag": flag}.items() if v}
    context = {
        "course": course,
        "survey": survey,
        "lecture": survey.lecture,
        "page": page,
        "count": estimated_count(rows),
        "search": search,
        "state": state,
        "flag": flag,
        "filter_query": urlencode(query),
        "short_below": selectors.short_below(survey),
        "states": SurveyResponse.Review.choices,
        "review_choices": ReviewForm.base_fields["state"].choices,
    }
    return render_partial(
        request,
        "surveys/staff_summaries.html",
        context,
        partial="summaries",
        target="summaries",
    )


@require_POST
@course_staff_required
def staff_review(
    request: HttpRequest, course: Course, number: int, response_id: int
) -> HttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    response = get_object_or_404(
        SurveyResponse.objects.select_related("user"), survey=survey, pk=response_id
    )
    form = ReviewForm(request.POST)
    if form.is_valid():
        survey_review(
            response=response,
            state=form.cleaned_data["state"],
            comment=form.cleaned_data["comment"],
            reviewer=request.user,
        )
    if wants_partial(request):
        return render(
            request,
            "surveys/staff_summaries.html#review_row",
            {
                "course": course,
                "survey": survey,
                "response": response,
                "review_form": form,
                "review_choices": ReviewForm.base_fields["state"].choices,
            },
        )
    if form.is_valid():
        messages.success(request, _("Review saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        next_url = reverse("staff_survey_summaries", args=[course.slug, number])
    return redirect(next_url)


@require_POST
@course_staff_required
def staff_accept_selected(
    request: HttpRequest, course: Course, number: int
) -> HttpResponse:
    """Accept the checked summaries, after a confirmation that says how
    many."""
    survey = selectors.get_survey_for_staff(course, number)
    ids = [int(v) for v in request.POST.getlist("selected") if v.isdigit()][:1000]
    back = _summaries_url(course, number, request.POST.get("filter_query", ""))
    chosen = SurveyResponse.objects.filter(survey=survey, pk__in=ids).exclude(
        review_state=SurveyResponse.Review.ACCEPTED
    )
    count = chosen.count()
    if not count:
        messages.error(request, _("Select at least one summary that is not accepted."))
        return redirect(back)
    if not request.POST.get("confirmed"):
        return render(
            request,
            "surveys/staff_accept_confirm.html",
            {
                "course": course,
                "survey": survey,
                "lecture": survey.lecture,
                "count": count,
                "ids": ids,
                "learners": chosen.select_related("user").order_by("pk")[:50],
                "filter_query": request.POST.get("filter_query", ""),
                "back_url": back,
            },
        )
    accepted = survey_accept_many(
        survey=survey, response_ids=ids, reviewer=request.user
    )
    messages.success(
        request,
        ngettext(
            "%(count)d summary accepted.", "%(count)d summaries accepted.", accepted
        )
        % {"count": accepted},
    )
    return redirect(back)


def _summaries_url(course: Course, number: int, query: str) -> str:
    """Back to the review queue with its filter; the query is rebuilt from
    the known filter names only, so nothing else rides along."""
    url = reverse("staff_survey_summaries", args=[course.slug, number])
    params = QueryDict(query)
    kept = {k: params[k] for k in ("q", "state", "flag", "page") if params.get(k)}
    return f"{url}?{urlencode(kept)}" if kept else url


@course_staff_required
def staff_responses_csv(
    request: HttpRequest, course: Course, number: int
) -> StreamingHttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    return csv_response(
        selectors.responses_csv_rows(survey),
        filename=f"{course.slug}-survey-{number}-responses.csv",
    )


@course_staff_required
def staff_aggregates_csv(
    request: HttpRequest, course: Course, number: int
) -> StreamingHttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    return csv_response(
        selectors.aggregates_csv_rows(survey),
        filename=f"{course.slug}-survey-{number}-aggregates.csv",
    )


@course_staff_required
def staff_copies(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    job = (
        Job.objects.filter(kind=COPY_JOB_KIND, params__survey_id=survey.pk)
        .order_by("-created_at")
        .first()
    )
    pairs = Paginator(selectors.copy_pairs(survey), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "surveys/staff_copies.html",
        {
            "course": course,
            "survey": survey,
            "lecture": survey.lecture,
            "pairs": pairs,
            "job": job,
        },
    )


@require_POST
@course_staff_required
def staff_copies_run(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    survey_start_copy_detection(survey=survey, user=request.user)
    messages.success(request, _("Copy detection started."))
    return redirect("staff_survey_copies", course.slug, number)


@course_staff_required
def staff_copy_pair(
    request: HttpRequest, course: Course, number: int, pair_id: int
) -> HttpResponse:
    survey = selectors.get_survey_for_staff(course, number)
    pair = get_object_or_404(selectors.copy_pairs(survey), pk=pair_id)
    return render(
        request,
        "surveys/staff_copy_pair.html",
        {
            "course": course,
            "survey": survey,
            "lecture": survey.lecture,
            "pair": pair,
            "is_description": pair.kind == CopyPair.Kind.DESCRIPTION,
        },
    )


@course_staff_required(admin=True)
def survey_defaults(request: HttpRequest, course: Course) -> HttpResponse:
    """The course's survey settings: what each new lecture's survey starts
    with, and whether only accepted summaries count."""
    from quizzes.surveys.forms import SurveyDefaultsForm

    form = SurveyDefaultsForm(
        request.POST or None, instance=SurveyCourseSettings.of(course)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Survey settings saved."))
        return redirect("staff_setup", course.slug)
    return render(
        request,
        "components/staff_settings_page.html",
        {
            "course": course,
            "form": form,
            "heading": _("Survey settings"),
            "intro": _(
                "New lectures' surveys start with these; each survey can be "
                "changed on its own page."
            ),
        },
        status=400 if form.errors else 200,
    )
