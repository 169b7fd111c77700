"""Celery application. Configuration lives in settings under CELERY_*."""

import functools
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from lms.cache import CircuitBreaker

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

    def _send_logged(self, args, kwargs, options=None) -> None:
        if self.app.conf.task_always_eager:
            self.apply_async(args, kwargs, **(options or {}))
            return
        # The broker is Redis: after one failure this process stops trying
        # for a few seconds (the same breaker as the cache's when it is the
        # same Redis), so each request pays the publish timeout once at most.
        breaker = CircuitBreaker.for_url(self.app.conf.broker_url)
        if breaker.is_open:
            logger.warning(
                "broker unavailable: %s not sent; the periodic sweep sends it",
                self.name,
            )
            return
        try:
            self.apply_async(args, kwargs, **(options or {}))
        except (BrokerUnavailable, RedisError, OSError) as exc:
            breaker.failed(exc, settings.REDIS_BREAKER_SECONDS)
            logger.exception(
                "could not enqueue %s; the periodic sweep will send it again",
                self.name,
            )
        else:
            breaker.succeeded()


app = Celery("lms", task_cls="lms.celery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
