import io
import logging

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from competitions import selectors, services
from competitions.forms import NicknameForm, ReportForm, ScoresImportForm, UploadForm
from competitions.models import Competition, Entry, Participant, StarterFile
from courses.access import course_learner_required, course_staff_required
from courses.models import Course
from lms.csv import csv_response, csv_timestamp
from lms.models import Job
from lms.partials import wants_partial

logger = logging.getLogger(__name__)


def _get_competition(course: Course) -> Competition:
    competition = selectors.competition_for_course(course)
    if competition is None:
        raise Http404
    return competition


def _get_own_entry(request: HttpRequest, competition: Competition, pk: int) -> Entry:
    """Learners only ever reach their own entries: others' are a 404."""
    return get_object_or_404(
        Entry.objects.select_related("competition__course"),
        pk=pk,
        competition=competition,
        user=request.user,
    )


def _page_context(request: HttpRequest, course: Course, competition: Competition):
    competition.for_learner(request.user.pk)
    participant = Participant.objects.filter(
        competition=competition, user=request.user
    ).first()
    entries = selectors.entries_for_user(competition, request.user)
    board = selectors.leaderboard(competition)
    top = board[:20]
    is_staff = course.is_staff(request.user)
    if is_staff:
        top = selectors.with_staff_names(top)
    return {
        "course": course,
        "competition": competition,
        "participant": participant,
        "entries": entries,
        "pending": any(entry.is_pending for entry in entries),
        "used_today": services.submissions_used_today(
            competition=competition, user=request.user
        ),
        "rejected_today": services.rejected_today(
            competition=competition, user=request.user
        ),
        "rejected_limit": settings.COMPETITION_REJECTED_PER_DAY,
        "selected_count": sum(entry.selected_for_final for entry in entries),
        "leaderboard": top,
        "leaderboard_size": len(board),
        "my_row": next((r for r in board if r["user_id"] == request.user.pk), None),
        "starter_files": competition.starter_files.all(),
        "upload_form": UploadForm(),
        "nickname_form": NicknameForm(instance=participant),
        "report_form": ReportForm(),
        "is_staff": is_staff,
    }


@course_learner_required
def competition(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    context = _page_context(request, course, competition)
    return render(request, "competitions/competition.html", context)


@course_learner_required
def competition_entries(request: HttpRequest, course: Course) -> HttpResponse:
    """My entries, polled by htmx while one is waiting to be scored."""
    competition = _get_competition(course)
    if not wants_partial(request):
        return redirect("competition", course.slug)
    context = _page_context(request, course, competition)
    response = render(request, "competitions/competition.html#entries", context)
    if not context["pending"]:
        # The last score just arrived: refresh the leaderboard too.
        board = render(
            request,
            "competitions/competition.html#leaderboard_box",
            context | {"oob": True},
        )
        response.content += board.content
    return response


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload the moment it passes the limit, so an
    oversized file is never written to disk in full."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt
@course_learner_required
@require_POST
def competition_upload(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    # The handler must be in place before anything reads request.POST; CSRF is
    # checked right after, in _upload.
    limit = competition.max_upload_bytes
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit + 64 * 1024:  # the multipart envelope is small
        messages.error(request, services.too_large_message(competition))
        return redirect("competition", course.slug)
    limiter = _SizeLimitHandler(request, limit)
    request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]
    if not _upload_received(request):
        return redirect("competition", course.slug)
    return _upload(request, course, competition, limiter)


def _upload_received(request: HttpRequest) -> bool:
    """Read the request body, whose file goes to a temporary file first. When
    that cannot be written (disk full), say that nothing was saved instead of
    answering 500. Runs before the CSRF check, and only ever redirects."""
    try:
        request.FILES  # noqa: B018 (reading it parses the body)
    except OSError:
        logger.exception("could not receive an upload")
        for handler in request.upload_handlers:
            partial = getattr(handler, "file", None)
            if partial is not None:
                partial.close()  # a temporary upload file is deleted on close
        messages.error(request, services.storage_failed_message())
        return False
    return True


@csrf_protect
def _upload(request, course, competition, limiter) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if limiter.too_large:
        messages.error(request, services.too_large_message(competition))
    elif not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            entry = services.entry_submit(
                competition=competition,
                user=request.user,
                upload=form.cleaned_data["file"],
            )
        except services.Refused as refused:
            messages.error(request, str(refused))
        else:
            if entry.status == Entry.Status.REJECTED:
                for problem in entry.problem_messages():
                    messages.error(request, problem)
            else:
                messages.success(
                    request, _("Your file is queued; its score appears here shortly.")
                )
    return redirect("competition", course.slug)


@course_learner_required
@require_POST
def competition_select(request: HttpRequest, course: Course, pk: int) -> HttpResponse:
    competition = _get_competition(course)
    entry = _get_own_entry(request, competition, pk)
    try:
        services.entry_select_final(
            entry=entry, selected=request.POST.get("selected") == "1"
        )
    except services.Refused as refused:
        messages.error(request, str(refused))
    return redirect("competition", course.slug)


@course_learner_required
@require_POST
def competition_nickname(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    participant = services.participant_for(competition=competition, user=request.user)
    form = NicknameForm(request.POST, instance=participant)
    if form.is_valid():
        services.participant_set_nickname(
            participant=participant, nickname=form.cleaned_data["nickname"]
        )
        messages.success(request, _("Your nickname is saved."))
    else:
        messages.error(request, _("That nickname cannot be used."))
    return redirect("competition", course.slug)


@csrf_exempt
@course_learner_required
@require_POST
def competition_report(request: HttpRequest, course: Course) -> HttpResponse:
    # The body is read before the CSRF check (checked right after, in
    # _report), so a disk too full to receive the file gets a message.
    if not _upload_received(request):
        return redirect("competition", course.slug)
    return _report(request, course)


@csrf_protect
def _report(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a PDF file to upload."))
        return redirect("competition", course.slug)
    participant = services.participant_for(competition=competition, user=request.user)
    try:
        services.participant_upload_report(
            participant=participant, upload=form.cleaned_data["file"]
        )
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Your report is uploaded."))
    return redirect("competition", course.slug)


@course_learner_required
def competition_leaderboard(request: HttpRequest, course: Course) -> HttpResponse:
    """Learners are listed under their nickname or pseudonym; staff also see
    who they are."""
    competition = _get_competition(course)
    board = selectors.leaderboard(competition)
    final = (
        selectors.leaderboard(competition, private=True)
        if competition.private_published
        else None
    )
    if course.is_staff(request.user):
        board = selectors.with_staff_names(board)
        final = final and selectors.with_staff_names(final)
    return render(
        request,
        "competitions/leaderboard.html",
        {
            "course": course,
            "competition": competition,
            "leaderboard": board,
            "private_leaderboard": final,
        },
    )


@course_learner_required
def competition_starter_file(
    request: HttpRequest, course: Course, pk: int
) -> HttpResponse:
    competition = _get_competition(course)
    starter = get_object_or_404(StarterFile, pk=pk, competition=competition)
    return FileResponse(
        starter.file.open("rb"), as_attachment=True, filename=starter.filename
    )


# --- Staff ---------------------------------------------------------------------


@course_staff_required
def staff_competition(request: HttpRequest, course: Course) -> HttpResponse:
    competition = selectors.competition_for_course(course)
    if competition is None:
        # The staff menu links here in every course: say so, never a 404.
        return render(
            request, "competitions/staff_no_competition.html", {"course": course}
        )
    job = Job.of_course(course, request.GET.get("job"))
    return render(
        request,
        "competitions/staff_competition.html",
        {
            "course": course,
            "competition": competition,
            "summary": selectors.queue_summary(competition),
            "queue": selectors.queue_entries(competition),
            "recent": selectors.recent_entries(competition),
            "private_preview": selectors.with_staff_names(
                selectors.leaderboard(competition, private=True)[:20]
            ),
            "reports": competition.participants.exclude(report="").select_related(
                "user"
            ),
            "import_form": ScoresImportForm(),
            "export_url": reverse("staff_competition_entries_csv", args=[course.slug]),
            "job": job,
        },
    )


@course_staff_required
@require_POST
def staff_competition_rescore(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    url = reverse("staff_competition", args=[course.slug])
    if entry_id := request.POST.get("entry"):
        if not (entry_id.isascii() and entry_id.isdigit()):
            raise Http404
        entry = get_object_or_404(Entry, pk=entry_id, competition=competition)
        try:
            services.entry_rescore(entry=entry)
        except services.Refused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The entry is queued for scoring again."))
        return redirect(url)
    job = services.competition_rescore_all(competition=competition, user=request.user)
    return redirect(f"{url}?job={job.pk}")


@course_staff_required
@require_POST
def staff_competition_import(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    form = ScoresImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file to import."))
    else:
        raw = form.cleaned_data["file"]
        try:
            text = io.TextIOWrapper(raw.file, encoding="utf-8-sig", newline="")
            result = services.scores_import(competition=competition, handle=text)
        except UnicodeDecodeError:
            messages.error(request, _("The file is not valid UTF-8."))
        except services.Refused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                ngettext(
                    "Imported scores for %(count)s entry.",
                    "Imported scores for %(count)s entries.",
                    result["imported"],
                )
                % {"count": result["imported"]},
            )
    return redirect("staff_competition", course.slug)


@course_staff_required
@require_POST
def staff_competition_publish(request: HttpRequest, course: Course) -> HttpResponse:
    competition = _get_competition(course)
    try:
        services.competition_publish_private(competition=competition)
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The private leaderboard is published."))
    return redirect("staff_competition", course.slug)


@course_staff_required
def staff_competition_entries_csv(request: HttpRequest, course: Course):
    """Every accepted entry, for an external judge; its scores come back
    through the import form keyed by the same entry ids."""
    competition = _get_competition(course)
    entries = (
        Entry.objects.filter(competition=competition, status=Entry.Status.SCORED)
        .order_by("pk")
        .values_list(
            "pk",
            "user__email",
            "submitted_at",
            "status",
            "public_score",
            "private_score",
        )
    )
    tz = course.tzinfo
    rows = (
        [pk, email, csv_timestamp(submitted_at, tz), status, public, private]
        for pk, email, submitted_at, status, public, private in entries.iterator(
            chunk_size=2000
        )
    )
    return csv_response(
        rows,
        filename=f"{course.slug}-competition-entries.csv",
        header=[
            "entry",
            "user",
            "submitted_at",
            "status",
            "public_score",
            "private_score",
        ],
    )


@course_staff_required
def staff_competition_entry_file(
    request: HttpRequest, course: Course, pk: int
) -> HttpResponse:
    competition = _get_competition(course)
    entry = get_object_or_404(
        Entry.objects.exclude(file=""), pk=pk, competition=competition
    )
    return FileResponse(
        entry.file.open("rb"),
        as_attachment=True,
        filename=f"entry-{entry.pk}-{entry.original_name}",
    )


@course_staff_required
def staff_competition_report(
    request: HttpRequest, course: Course, pk: int
) -> HttpResponse:
    competition = _get_competition(course)
    participant = get_object_or_404(
        Participant.objects.exclude(report=""), pk=pk, competition=competition
    )
    return FileResponse(
        participant.report.open("rb"),
        as_attachment=True,
        filename=f"report-{participant.user_id}.pdf",
        content_type="application/pdf",
    )
