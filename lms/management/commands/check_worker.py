import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.jobs import SELFTEST
from lms.models import Job
from lms.tasks import job_worker_selftest


class Command(BaseCommand):
    help = "Send a task through the broker and wait until a worker records it."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30)

    def handle(self, *args, timeout: float, **options):
        with transaction.atomic():
            job = Job.objects.create(kind=SELFTEST, label="Worker self-test")
            job_worker_selftest.delay_on_commit(job_id=str(job.pk))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state == Job.State.DONE:
                worker = job.result.get("worker")
                self.stdout.write(self.style.SUCCESS(f"Worker {worker} ran the task."))
                return
            time.sleep(0.2)
        raise CommandError(f"No worker ran the task within {timeout:g} seconds.")
