import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from accounts.models import LearnerCategory


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


MAX_REMINDERS = 5
MAX_REMINDER_HOURS = 24 * 30


def parse_reminder_hours(value: str) -> list[int]:
    """ "48, 6" -> [48, 6] (hours before a due time, furthest first);
    ValidationError with a clear message for anything else."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if len(parts) > MAX_REMINDERS:
        raise ValidationError(
            _("At most %(count)s reminders per deadline."),
            params={"count": MAX_REMINDERS},
        )
    hours = []
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise ValidationError(
                _("Reminder times are whole hours separated by commas, e.g. 48, 6.")
            )
        number = int(part)
        if not 1 <= number <= MAX_REMINDER_HOURS:
            raise ValidationError(
                _("Each reminder is between 1 and %(max)s hours before the due time."),
                params={"max": MAX_REMINDER_HOURS},
            )
        hours.append(number)
    return sorted(set(hours), reverse=True)


def validate_reminder_hours(value: str) -> None:
    parse_reminder_hours(value)


class Course(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown.")
    )
    term = models.CharField(_("term"), max_length=100, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_timezone],
        default="Asia/Tokyo",
        help_text=_("IANA name, e.g. Asia/Tokyo."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), default=0, help_text=_("Approved learners at most; 0: no limit.")
    )
    applications_open_at = models.DateTimeField(
        _("applications open at"), null=True, blank=True
    )
    applications_close_at = models.DateTimeField(
        _("applications close at"), null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reminder_hours = models.CharField(
        _("deadline reminders (hours before)"),
        max_length=50,
        blank=True,
        default="48, 6",
        validators=[validate_reminder_hours],
        help_text=_(
            "Learners who have not submitted a homework or survey are reminded "
            "this many hours before its due time, e.g. 48, 6. Empty: no reminders."
        ),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("course_detail", args=[self.slug])

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def reminder_offsets(self) -> list[timedelta]:
        """When learners are reminded before each due time, furthest first
        (the deadline reminders and the calendar feed's alarms)."""
        try:
            hours = parse_reminder_hours(self.reminder_hours)
        except ValidationError:
            return []
        return [timedelta(hours=h) for h in hours]

    def role_of(self, user) -> str | None:
        """'admin', 'staff' or None. Superusers act as admins everywhere."""
        if not user.is_authenticated:
            return None
        if user.is_superuser:
            return CourseRole.Role.ADMIN
        cache_attr = f"_course_role_{self.pk}"
        if not hasattr(user, cache_attr):
            role = (
                CourseRole.objects.filter(course=self, user=user)
                .values_list("role", flat=True)
                .first()
            )
            setattr(user, cache_attr, role)
        return getattr(user, cache_attr)

    def is_staff(self, user) -> bool:
        return self.role_of(user) in {CourseRole.Role.STAFF, CourseRole.Role.ADMIN}

    def is_admin(self, user) -> bool:
        return self.role_of(user) == CourseRole.Role.ADMIN

    def is_learner(self, user) -> bool:
        """An approved learner of this course."""
        if not user.is_authenticated:
            return False
        cache_attr = f"_course_learner_{self.pk}"
        if not hasattr(user, cache_attr):
            setattr(
                user,
                cache_attr,
                Enrollment.objects.filter(
                    course=self, user=user, status=Enrollment.Status.APPROVED
                ).exists(),
            )
        return getattr(user, cache_attr)

    @staticmethod
    def access_annotations(user) -> dict:
        """The user's role in, and approved enrollment of, each course row:
        `Course.objects.annotate(**Course.access_annotations(user))` loads a
        course and what the user may do in it in one query."""
        return {
            "_role": models.Subquery(
                CourseRole.objects.filter(
                    course=models.OuterRef("pk"), user=user.pk
                ).values("role")[:1]
            ),
            "_learner": models.Exists(
                Enrollment.objects.filter(
                    course=models.OuterRef("pk"),
                    user=user.pk,
                    status=Enrollment.Status.APPROVED,
                )
            ),
        }

    def remember_access(self, user, *, role, learner: bool) -> None:
        """Keep the role and enrollment on the user object for the request."""
        setattr(user, f"_course_role_{self.pk}", role)
        setattr(user, f"_course_learner_{self.pk}", learner)

    def can_view_content(self, user) -> bool:
        """Staff or an approved learner. Every learner page asks this, so the
        role and the enrollment come in one query (and are kept on the user
        object for the rest of the request)."""
        if not user.is_authenticated:
            return False
        if not user.is_superuser and not hasattr(user, f"_course_role_{self.pk}"):
            role, learner = (
                Course.objects.filter(pk=self.pk)
                .values_list(*self.access_annotations(user).values())
                .get()
            )
            self.remember_access(user, role=role, learner=learner)
        return self.is_staff(user) or self.is_learner(user)

    def applications_are_open(self, now=None) -> bool:
        """Inside the application window (an unset end means no end)."""
        now = now or timezone.now()
        if self.state not in {self.State.OPEN, self.State.RUNNING}:
            return False
        if self.applications_open_at is None or now < self.applications_open_at:
            return False
        return self.applications_close_at is None or now < self.applications_close_at

    def approved_count(self) -> int:
        return self.enrollments.filter(status=Enrollment.Status.APPROVED).count()

    def is_full(self) -> bool:
        return bool(self.capacity) and self.approved_count() >= self.capacity


class ApplicationQuestion(models.Model):
    """A question the admin asks on the application form, besides the learner
    category and affiliation that come from the profile."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short", _("Short text")
        LONG_TEXT = "long", _("Long text")
        SINGLE_CHOICE = "choice", _("Single choice")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="application_questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(
        _("kind"), max_length=8, choices=Kind.choices, default=Kind.SHORT_TEXT
    )
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("Single choice: one choice per line.")
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["course", "position", "pk"]
        verbose_name = _("application question")
        verbose_name_plural = _("application questions")

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        if self.kind == self.Kind.SINGLE_CHOICE and len(self.choice_list) < 2:
            raise ValidationError(
                {"choices": _("A single-choice question needs at least two choices.")}
            )

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def answer_key(self) -> str:
        """Where the answer lives in Enrollment.answers."""
        return str(self.pk)


class CourseRole(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        ADMIN = "admin", _("Admin")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_roles"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="one_role_per_user")
        ]
        verbose_name = _("course role")
        verbose_name_plural = _("course roles")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class NoticeState(models.TextChoices):
    """Delivery state of one email to one person. A worker claims `pending`
    rows with a conditional UPDATE to `sending` before it sends, so a task
    that runs twice (redelivery after a worker restart) never sends twice."""

    NONE = "", pgettext_lazy("email delivery", "None")
    PENDING = "pending", pgettext_lazy("email delivery", "Pending")
    SENDING = "sending", pgettext_lazy("email delivery", "Sending")
    SENT = "sent", pgettext_lazy("email delivery", "Sent")


class Enrollment(models.Model):
    """A user's application to a course and, once approved, their enrollment."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # A withdrawn learner who asks to come back: staff decide it on the
        # applications page like an application.
        REJOIN = "rejoin", _("Asked to rejoin")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrollments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    category = models.CharField(
        _("learner category"),
        max_length=16,
        choices=LearnerCategory.choices,
        default=LearnerCategory.STUDENT,
    )
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    answers = models.JSONField(_("application answers"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notice_state = models.CharField(
        _("decision email"),
        max_length=8,
        choices=NoticeState.choices,
        default=NoticeState.NONE,
        help_text=_(
            "Pending: owed; sending: claimed by a worker (never sent twice); sent."
        ),
    )
    notice_job = models.ForeignKey(
        "lms.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("email job"),
    )
    calendar_token = models.CharField(
        _("calendar token"), max_length=64, null=True, blank=True, unique=True
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    rejoin_requested_at = models.DateTimeField(
        _("asked to rejoin at"), null=True, blank=True
    )
    rejoin_note = models.TextField(
        _("why the learner wants to rejoin"), blank=True, max_length=2000
    )
    # The learner's totals as staff see them (graded homework points, weeks
    # passed, summaries that count), stored so the completion dashboard sorts
    # and pages 100,000 learners through an index. They are a copy: the one
    # refresh path is completion.totals.dashboard_totals_refresh (see there
    # for when it runs); nothing else writes them.
    homework_points = models.PositiveIntegerField(_("homework points"), default=0)
    weeks_passed = models.PositiveSmallIntegerField(_("weeks passed"), default=0)
    summaries = models.PositiveSmallIntegerField(_("summaries"), default=0)
    # "At risk" as completion.selectors.at_risk_q decided it at that refresh,
    # so the dashboard's at-risk filter reads a column instead of running
    # its anti-joins for 100,000 learners; the dashboard uses it only while
    # what it was decided against still holds (completion.selectors
    # .at_risk_filter).
    at_risk = models.BooleanField(_("at risk"), default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], name="one_enrollment_per_user"
            )
        ]
        indexes = [
            models.Index(fields=["course", "status"]),
            # The applications page's default keyset order (newest first, the
            # id breaking ties).
            models.Index(
                fields=["course", "applied_at", "id"], name="enrollment_by_applied"
            ),
            # The applications page's other keyset orders: by status (newest
            # first within one, which also serves a status filter in the
            # default order) and by affiliation.
            models.Index(
                fields=["course", "status", "-applied_at", "-id"],
                name="enrollment_by_status",
            ),
            models.Index(
                fields=["course", "affiliation", "id"],
                name="enrollment_by_affiliation",
            ),
            models.Index(fields=["notice_job", "notice_state"]),
            # The dashboard's sorts (keyset pages: the total, then the id).
            models.Index(
                fields=["course", "status", "homework_points", "id"],
                name="enrollment_by_points",
            ),
            models.Index(
                fields=["course", "status", "weeks_passed", "id"],
                name="enrollment_by_passed",
            ),
            models.Index(
                fields=["course", "status", "summaries", "id"],
                name="enrollment_by_summaries",
            ),
        ]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self) -> str:
        return f"{self.user} – {self.course} ({self.get_status_display()})"

    @property
    def can_withdraw(self) -> bool:
        """Anyone who applied may leave, except who has already left."""
        return self.status not in {self.Status.WITHDRAWN, self.Status.REJOIN}

    @property
    def can_ask_to_rejoin(self) -> bool:
        """Only a withdrawn learner asks to rejoin (once: the request waits
        for staff, who decide it like an application)."""
        return self.status == self.Status.WITHDRAWN

    @property
    def is_decided(self) -> bool:
        return self.status in {
            self.Status.APPROVED,
            self.Status.WAITLISTED,
            self.Status.REJECTED,
        }

    def ensure_calendar_token(self) -> str:
        """The learner's feed token, created on first use."""
        if not self.calendar_token:
            self.calendar_token = secrets.token_urlsafe(32)
            Enrollment.objects.filter(pk=self.pk).update(
                calendar_token=self.calendar_token
            )
        return self.calendar_token


class Lecture(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lectures"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration = models.DurationField(_("duration"), default=timedelta(hours=2))
    live_url = models.URLField(_("live session URL"), blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown.")
    )
    published = models.BooleanField(_("published"), default=False)

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"], name="one_lecture_per_number"
            )
        ]
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("lecture_detail", args=[self.course.slug, self.number])

    @property
    def ends_at(self):
        return self.starts_at + self.duration

    @property
    def has_ended(self) -> bool:
        return timezone.now() > self.ends_at

    def live_link_visible(self, now=None) -> bool:
        """The live link shows from LIVE_LINK_LEAD before the start to the end."""
        now = now or timezone.now()
        return bool(self.live_url) and (
            self.starts_at - LIVE_LINK_LEAD <= now <= self.ends_at
        )


LIVE_LINK_LEAD = timedelta(minutes=30)


def extra_time_label(extra: timedelta) -> str:
    """ "3 days 4 hours", in the reader's language."""
    days, hours = extra.days, extra.seconds // 3600
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return " ".join(parts)


class ExtensionQuerySet(models.QuerySet):
    def active(self) -> "ExtensionQuerySet":
        return self.filter(revoked_at__isnull=True)

    def covering(self, *, scope: str, lecture_id=None) -> "ExtensionQuerySet":
        """Active extensions that cover an item: everything in the course,
        or this item (`scope` and, for homework and surveys, its lecture)."""
        one_item = models.Q(scope=scope)
        if lecture_id is not None:
            one_item &= models.Q(lecture_id=lecture_id)
        return self.active().filter(models.Q(scope=Extension.Scope.ALL) | one_item)

    def extra_time(self, *, user_id, course_id, scope: str, lecture_id=None):
        """The one definition of a learner's extra time for an item: the
        longest active extension of the learner in the course that covers it
        (everything in the course, or this item), zero without one. Every
        argument may be a value or an expression (`OuterRef`), so the same
        rule serves one learner's page, a whole results table, the reminders
        and the one-statement submit. `user_id=None`: the longest of any
        learner (how long the item stays open for someone)."""
        longest = self.covering(scope=scope, lecture_id=lecture_id).filter(
            course_id=course_id
        )
        if user_id is not None:
            longest = longest.filter(user_id=user_id)
        longest = longest.order_by("-extra_time").values("extra_time")[:1]
        return Coalesce(
            models.Subquery(longest, output_field=models.DurationField()),
            models.Value(timedelta(0), output_field=models.DurationField()),
        )

    def extra_time_of(self, *, user_id, course_id, scope: str, lecture_id=None):
        """`extra_time()` for one learner and item, as a value."""
        return (
            Course.objects.filter(pk=course_id)
            .annotate(
                extra=self.extra_time(
                    user_id=user_id,
                    course_id=course_id,
                    scope=scope,
                    lecture_id=lecture_id,
                )
            )
            .values_list("extra", flat=True)
            .get()
        )


class Extension(models.Model):
    """More time for one learner (an accommodation): `extra_time` added to
    the due time of one homework, one survey, the competition, or everything
    in the course. The late window and late cap follow from the extended due
    time. Rows are never deleted: a revoked extension stays, with who revoked
    it and when, as the staff-only audit trail (the reason is never shown to
    learners)."""

    class Scope(models.TextChoices):
        ALL = "all", _("Everything in the course")
        HOMEWORK = "homework", pgettext_lazy("extension scope", "One homework")
        SURVEY = "survey", pgettext_lazy("extension scope", "One survey")
        COMPETITION = "competition", pgettext_lazy("extension scope", "The competition")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="extensions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions"
    )
    scope = models.CharField(_("applies to"), max_length=12, choices=Scope.choices)
    lecture = models.ForeignKey(
        "Lecture",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For one homework or survey: its lecture."),
    )
    extra_time = models.DurationField(_("extra time"))
    reason = models.TextField(_("reason"), help_text=_("Seen by staff only."))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope__in=["homework", "survey"], lecture__isnull=False)
                    | models.Q(scope__in=["all", "competition"], lecture__isnull=True)
                ),
                name="extension_lecture_iff_one_item",
            ),
            models.CheckConstraint(
                condition=models.Q(extra_time__gt=timedelta(0)),
                name="extension_adds_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "course"],
                condition=models.Q(revoked_at__isnull=True),
                name="active_extension_by_learner",
            )
        ]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_scope_display()} +{self.extra_time}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def extra_time_label(self) -> str:
        return extra_time_label(self.extra_time)


# The window states of a lecture item (homework, survey) that accept answers.
ACCEPTING_WINDOWS = ("open", "late")


class LectureItemQuerySet(models.QuerySet):
    """What learners answer per lecture (homework, surveys): who may answer
    which item when, defined once for both. Each item's queryset says its own
    timing in `with_window(now)`, annotating `window` as one of "not_open",
    "open", "late" or "closed"; everything else is here.

    Every write path asks `accepting()`: the full (ORM) paths run it as a
    query, the one-statement homework submit on PostgreSQL compiles it into
    its SQL (`quizzes.homework.services._direct_sql`), and pages read the
    window from `with_window()`."""

    # The Extension scope that names one item of this kind.
    extension_scope: str = ""

    def with_window(self, now, *, user_id=None) -> "LectureItemQuerySet":
        raise NotImplementedError

    def due_for(self, user_id, *, prefix: str = ""):
        """The due time in force for the learner `user_id` (a value or an
        `OuterRef`): `due_at` plus their extension (`Extension.extra_time`),
        or `due_at` itself for no learner. Each item's `with_window` counts
        from it, so an extension moves the window and everything judged from
        it (late flag, late window, late cap) at once. With `prefix` (e.g.
        "homework__") it reads the item through a relation, for querysets of
        submissions."""
        due_at = models.F(f"{prefix}due_at")
        if user_id is None:
            return due_at
        return models.ExpressionWrapper(
            due_at
            + Extension.objects.extra_time(
                user_id=user_id,
                course_id=models.OuterRef(f"{prefix}lecture__course_id"),
                scope=self.extension_scope,
                lecture_id=models.OuterRef(f"{prefix}lecture_id"),
            ),
            output_field=models.DateTimeField(),
        )

    def due_for_anyone(self):
        """The latest due time in force of any learner: `due_at` plus the
        longest extension of the item (it stays open for someone until
        then)."""
        return models.ExpressionWrapper(
            models.F("due_at")
            + Extension.objects.extra_time(
                user_id=None,
                course_id=models.OuterRef("lecture__course_id"),
                scope=self.extension_scope,
                lecture_id=models.OuterRef("lecture_id"),
            ),
            output_field=models.DateTimeField(),
        )

    def visible_to_learners(self) -> "LectureItemQuerySet":
        """Published items of published lectures of courses that are not
        drafts."""
        return self.filter(published=True, lecture__published=True).exclude(
            lecture__course__state=Course.State.DRAFT
        )

    def accepting(self, *, user_id, now) -> "LectureItemQuerySet":
        """Items the user may write answers to (drafts or a submission) at
        `now`, with `late` annotated: visible to learners, in their window,
        and the user an approved learner of the course. Staff are not
        learners: they try an item without anything being stored."""
        approved = Enrollment.objects.filter(
            course_id=models.OuterRef("lecture__course_id"),
            user_id=user_id,
            status=Enrollment.Status.APPROVED,
        )
        return (
            self.visible_to_learners()
            .with_window(now, user_id=user_id)
            .filter(window__in=ACCEPTING_WINDOWS)
            .filter(models.Exists(approved))
            .annotate(
                late=models.ExpressionWrapper(
                    models.Q(window="late"), output_field=models.BooleanField()
                )
            )
        )


class Announcement(models.Model):
    """A message from staff to a course's learners, optionally also emailed."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="announcements"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), help_text=_("Markdown."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    email_job = models.ForeignKey(
        "lms.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title


class AnnouncementDelivery(models.Model):
    """One learner's copy of an announcement email: claimed before sending."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        max_length=8, choices=NoticeState.choices, default=NoticeState.PENDING
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user"], name="one_delivery_per_user"
            )
        ]
        indexes = [models.Index(fields=["announcement", "state"])]

    def __str__(self) -> str:
        return f"{self.announcement} → {self.user}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class CourseInvitation(models.Model):
    """A staff role offered by email to someone without an account yet. The
    emailed link (its unguessable token) grants the role to whoever opens it
    signed in, once, before it expires."""

    VALID_FOR = timedelta(days=14)

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=CourseRole.Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    notice_state = models.CharField(
        max_length=8, choices=NoticeState.choices, default=NoticeState.PENDING
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")

    def __str__(self) -> str:
        return f"{self.email} – {self.course}"

    def get_absolute_url(self) -> str:
        return reverse("course_invitation", args=[self.token])

    @property
    def expires_at(self):
        return self.created_at + self.VALID_FOR

    def is_open(self, now=None) -> bool:
        return self.accepted_at is None and (now or timezone.now()) < self.expires_at
