import pytest
from django.core.management import call_command

from conftest import wait_for
from lms.models import Job
from lms.tasks import job_worker_selftest

pytestmark = pytest.mark.services


def test_a_real_worker_runs_a_task_through_redis_and_writes_the_database(
    celery_worker,
):
    job = Job.objects.create(kind="selftest")

    job_worker_selftest.delay(job_id=str(job.pk))

    done = wait_for(lambda: Job.objects.filter(pk=job.pk, state="done").first())
    assert done.result["worker"]
    assert done.done == 1


def test_check_worker_reports_the_worker_that_ran_the_task(celery_worker, capsys):
    call_command("check_worker", timeout=30)

    assert "ran the task" in capsys.readouterr().out
    assert Job.objects.get(kind="selftest").state == Job.State.DONE
