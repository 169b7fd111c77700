import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Least
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Sent when a job finishes or fails (`job=`): the notifications app tells
# whoever started it, without `lms` importing it.
job_ended = Signal()


class Job(models.Model):
    """One background run (grading, certification, bulk email, import, …).

    Workers set `done` to a count read from the database (`progress_to`), not
    by adding to it: a redelivered or duplicated task would count its work
    twice. `done` never exceeds `total`, and a finished job reads total of
    total. Pages poll it to draw a live progress bar.
    `heartbeat_at` shows the worker is alive: the resume sweep (`lms.jobs`)
    takes over a running job whose heartbeat stopped.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    label = models.CharField(_("label"), max_length=200, blank=True)
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(
        _("runs taken over"),
        default=0,
        help_text=_("Times a worker stopped during this job and another took over."),
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "state"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.label or self.kind

    @classmethod
    def of_course(cls, course, job_id: str | None) -> "Job | None":
        """The course's job named in a page's `?job=` (a progress bar), or
        None: anything that is not a job id is simply no job, never an error."""
        try:
            uuid.UUID(job_id or "")
        except ValueError:
            return None
        return cls.objects.filter(pk=job_id, course=course).first()

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    def start(self, *, total: int | None = None) -> None:
        """Running, with a fresh heartbeat; a resumed run keeps the time the
        first run started."""
        now = timezone.now()
        fields = {
            "state": self.State.RUNNING,
            "started_at": Coalesce(F("started_at"), Value(now)),
            "heartbeat_at": now,
        }
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.pk).update(**fields)
        self.refresh_from_db()

    def advance(self, count: int = 1) -> None:
        """Add to `done` atomically, up to `total`; a step forward is also a
        heartbeat. Only for work that cannot be counted in the database."""
        Job.objects.filter(pk=self.pk).update(
            done=_at_most_total(F("done") + count), heartbeat_at=timezone.now()
        )

    def progress_to(self, done: int) -> None:
        """Set `done` to a count read from the database (what is really done,
        however often a chunk was delivered), up to `total`; it never goes
        backwards. Also a heartbeat."""
        Job.objects.filter(pk=self.pk).update(heartbeat_at=timezone.now())
        Job.objects.filter(pk=self.pk, done__lt=done).update(
            done=_at_most_total(Value(done, output_field=models.PositiveIntegerField()))
        )

    def beat(self) -> None:
        """The worker is alive: a long step calls this between items."""
        Job.objects.filter(pk=self.pk).update(heartbeat_at=timezone.now())

    def finish(self, *, result: dict | None = None) -> None:
        """Done: everything is done, so the bar reads total of total."""
        Job.objects.filter(pk=self.pk).update(
            state=self.State.DONE,
            done=F("total"),
            finished_at=timezone.now(),
            result=result if result is not None else self.result,
        )
        self.refresh_from_db()
        job_ended.send(sender=Job, job=self)

    def fail(self, error: str) -> None:
        Job.objects.filter(pk=self.pk).update(
            state=self.State.FAILED, finished_at=timezone.now(), error=error[:2000]
        )
        self.refresh_from_db()
        job_ended.send(sender=Job, job=self)


def _at_most_total(done):
    """`done`, capped at the job's `total` once the total is known."""
    return Case(
        When(total__gt=0, then=Least(done, F("total"))),
        default=done,
        output_field=models.PositiveIntegerField(),
    )
