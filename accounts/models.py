from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    """Users are identified by email; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class LearnerCategory(models.TextChoices):
    STUDENT = "student", _("Student")
    WORKING = "working", _("Working adult")
    OTHER = "other", _("Other")


class User(AbstractUser):
    """A person who signs in to Koza. Roles are per course (courses.CourseRole);
    `is_superuser` marks the site operator."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    affiliation = models.CharField(
        _("affiliation"),
        max_length=200,
        blank=True,
        help_text=_("University, company or other organisation."),
    )
    category = models.CharField(
        _("learner category"),
        max_length=16,
        choices=LearnerCategory.choices,
        default=LearnerCategory.STUDENT,
    )
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Emails and pages use this language. Empty: the browser's."),
    )
    announcement_emails = models.BooleanField(
        _("announcement emails"),
        default=True,
        help_text=_("Also send course announcements to me by email."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        indexes = [
            # Staff lists sorted by name (the applications page) walk this
            # index and stop after a page, instead of sorting every learner.
            models.Index(fields=["display_name"], name="user_by_display_name"),
        ]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What other people see: the display name, else the email's local part."""
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.name
