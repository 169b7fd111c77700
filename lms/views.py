import logging
import os
import shutil
import tempfile

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from lms.auth import forget_user
from lms.celery import app as celery_app
from lms.models import Job

logger = logging.getLogger(__name__)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on the user."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        get_user_model().objects.filter(pk=request.user.pk).update(language=language)
        forget_user(request.user.pk)
    return response


@login_required
def job_progress(request: HttpRequest, job_id) -> HttpResponse:
    """The live progress bar of a background job (polled by htmx). A page
    that shows the job's result asks for `?refresh=1`: once the job is
    finished, htmx reloads that page, so the result (and what it enables,
    such as recording after a dry run) appears without a click."""
    job = get_object_or_404(Job.objects.select_related("course"), pk=job_id)
    if not _can_view_job(request.user, job):
        raise Http404
    refresh = request.GET.get("refresh") == "1"
    response = render(
        request,
        "components/job_progress.html",
        {"job": job, "refresh_when_done": refresh},
    )
    if refresh and job.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _can_view_job(user, job: Job) -> bool:
    if user.is_superuser or job.created_by_id == user.pk:
        return True
    return job.course is not None and job.course.is_staff(user)


def _check_database() -> str:
    """A connection from the pool within HEALTHZ_DATABASE_TIMEOUT, not the
    pool's own 10 s that a request would wait: a monitor learns at once
    that the database, or the pool, has nothing to give."""
    pool = getattr(connection, "pool", None)
    if pool is None or connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    pool.open()
    with pool.connection(timeout=settings.HEALTHZ_DATABASE_TIMEOUT) as conn:
        conn.execute("SELECT 1").fetchone()
    return "ok"


def _check_cache() -> str:
    if hasattr(cache, "ping"):  # Redis: ask it, within REDIS_TIMEOUT
        cache.ping()
        return "ok"
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value it stored")
    return "ok"


def _check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "ok (in-process)"
    url = celery_app.conf.broker_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        timeout = settings.REDIS_TIMEOUT
        with redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        ) as client:
            client.ping()
        return "ok"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    return "ok"


def _check_storage() -> str:
    """Write, flush and remove a small file where uploads go: a full or
    read-only disk fails here before a learner's upload does."""
    roots = {"private": settings.PRIVATE_MEDIA_ROOT}
    if isinstance(default_storage, FileSystemStorage):
        roots["media"] = settings.MEDIA_ROOT
    report = []
    for name, root in roots.items():
        try:
            os.makedirs(root, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=root, prefix=".healthz-") as probe:
                probe.write(b"ok")
                probe.flush()
                os.fsync(probe.fileno())
        except OSError as exc:
            raise RuntimeError(f"{name}: cannot write {root}: {exc}") from exc
        free = shutil.disk_usage(root).free
        report.append(f"{name} {free / 1024**3:.1f} GB free")
    return "ok (" + ", ".join(report) + ")"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache, broker and storage state: 200 when all are fine, 503
    otherwise. Anyone may ask, so a failed check says only that it failed;
    what went wrong is in the log (and shown to superusers)."""
    checks = {
        "database": _check_database,
        "cache": _check_cache,
        "broker": _check_broker,
        "storage": _check_storage,
    }
    report = {}
    healthy = True
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:
            healthy = False
            logger.exception("healthz: the %s check failed", name)
            report[name] = "error"
            if request.user.is_superuser:
                report[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": report},
        status=200 if healthy else 503,
    )
