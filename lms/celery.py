"""Celery application. Configuration lives in settings under CELERY_*."""

import functools
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

logger = logging.getLogger(__name__)


class Task(DjangoTask):
    """Enqueuing after commit never fails the request that committed.

    The work is already in the database (the source of truth) when the
    message is sent; if the broker is down, the failure is logged and the
    periodic sweeps send the work again, while the learner still sees their
    submission saved instead of a server error."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self._send_logged, args, kwargs))

    def _send_logged(self, args, kwargs) -> None:
        try:
            self.apply_async(args, kwargs)
        except BrokerUnavailable:
            logger.exception(
                "could not enqueue %s; the periodic sweep will send it again",
                self.name,
            )


app = Celery("lms", task_cls="lms.celery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
