import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from archives import services
from archives.forms import MaterialForm
from archives.models import Kind, Material, Upload
from archives.serving import serve_protected
from archives.tus import upload_token
from courses.access import course_learner_required, course_staff_required
from courses.models import Course, Lecture
from lms.partials import render_partial


def _get_lecture(course: Course, number: int) -> Lecture:
    return get_object_or_404(Lecture, course=course, number=number)


def _get_material_for_staff(course: Course, material_id: int) -> Material:
    return get_object_or_404(
        Material.objects.select_related("lecture"),
        pk=material_id,
        lecture__course=course,
    )


def _get_material_for_viewer(
    request: HttpRequest, course: Course, material_id: int
) -> Material:
    """Staff see every material of their course; learners only published,
    ready ones of published lectures."""
    material = _get_material_for_staff(course, material_id)
    if not course.is_staff(request.user) and not (
        material.is_visible_to_learners and material.lecture.published
    ):
        raise Http404
    return material


@course_staff_required(admin=True)
def staff_materials(request: HttpRequest, course: Course, number: int) -> HttpResponse:
    lecture = _get_lecture(course, number)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            _create_from_form(form, lecture=lecture, user=request.user)
        except services.RefusedFile as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("The material was added."))
            return redirect("staff_materials", course.slug, lecture.number)
    materials = lecture.materials.order_by("kind", "created_at")
    uploads = list(Upload.objects.filter(lecture=lecture, owner=request.user))
    context = {
        "course": course,
        "lecture": lecture,
        "form": form,
        "materials": materials,
        "uploads": uploads,
        # The list refreshes itself while something is moving: a recording
        # in processing or an upload that received bytes in the last minute.
        "processing": any(
            m.state in {Material.State.UPLOADED, Material.State.PROCESSING}
            for m in materials
        )
        or any(u.updated_at > timezone.now() - timedelta(minutes=1) for u in uploads),
        "tus_config": {
            "endpoint": reverse("tus_uploads", args=[course.slug, lecture.number]),
            "token": upload_token(user=request.user, course=course),
            "lecture": lecture.pk,
            "limits": settings.ARCHIVE_LIMITS,
            "messages": {
                "progress": _(
                    "%(percent)s%% · %(done)s of %(total)s · %(speed)s/s · "
                    "%(left)s left"
                ),
                "done": _("Upload complete. Processing starts now."),
                "paused": _(
                    "Paused. Press Upload (or choose the same file) to resume."
                ),
                "failed": _("Upload failed:"),
                "retrying": _("Connection lost; retrying…"),
                "nofile": _("Choose a file first."),
                "resuming": _("Resuming an earlier upload of this file…"),
            },
        },
    }
    return render_partial(
        request,
        "archives/staff_materials.html",
        context,
        partial="material-list",
        target="material-list",
    )


def _create_from_form(form: MaterialForm, *, lecture: Lecture, user) -> Material:
    data = form.cleaned_data
    if data["kind"] == Kind.LINK:
        return services.material_create_link(
            lecture=lecture,
            url=data["external_url"],
            title=data["title"],
            user=user,
            publish=data["publish"],
        )
    upload = data["file"]
    options = {
        "lecture": lecture,
        "kind": data["kind"],
        "filename": upload.name,
        "user": user,
        "title": data["title"],
        "github_url": data["github_url"],
        "language": data["language"],
        "publish_when_ready": data["publish"],
    }
    if hasattr(upload, "temporary_file_path"):
        return services.material_create_from_path(
            path=Path(upload.temporary_file_path()), **options
        )
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return services.material_create_from_path(path=Path(handle.name), **options)


@require_POST
@course_staff_required(admin=True)
def material_publish(request: HttpRequest, course: Course, material_id: int):
    material = _get_material_for_staff(course, material_id)
    wanted = request.POST.get("published") == "1"
    if not material.publish(wanted) and wanted and not material.published:
        messages.error(request, _("Only a material that is ready can be published."))
    return redirect("staff_materials", course.slug, material.lecture.number)


@require_POST
@course_staff_required(admin=True)
def material_delete(request: HttpRequest, course: Course, material_id: int):
    material = _get_material_for_staff(course, material_id)
    number = material.lecture.number
    services.material_delete(material=material)
    messages.success(request, _("The material was deleted."))
    return redirect("staff_materials", course.slug, number)


@course_learner_required
def material_file(
    request: HttpRequest, course: Course, material_id: int, filename: str
) -> HttpResponse:
    material = _get_material_for_viewer(request, course, material_id)
    if not material.file.name or filename != material.download_name:
        raise Http404
    # Videos and captions play in the page and a PDF may be viewed in the
    # browser (sandboxed); everything else is a download.
    inline = material.kind in {Kind.RECORDING, Kind.CAPTIONS} or (
        material.kind == Kind.SLIDES and request.GET.get("view") == "1"
    )
    return serve_protected(
        request,
        storage=material.file.storage,
        name=material.file.name,
        content_type=material.content_type or "application/octet-stream",
        filename=material.download_name,
        as_attachment=not inline,
    )


@course_learner_required
def material_poster(
    request: HttpRequest, course: Course, material_id: int
) -> HttpResponse:
    material = _get_material_for_viewer(request, course, material_id)
    if not material.poster.name:
        raise Http404
    return serve_protected(
        request,
        storage=material.poster.storage,
        name=material.poster.name,
        content_type="image/jpeg",
        filename="poster.jpg",
        as_attachment=False,
    )
