from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from lms.models import job_ended
        from notifications import tasks  # noqa: F401  (registers the job resume)
        from notifications.services import job_ended_notify

        job_ended.connect(job_ended_notify, dispatch_uid="notifications.job_ended")
