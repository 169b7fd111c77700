"""Beat entries and queued messages name tasks by string, so a task that
moves module must keep its registered name."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings

from lms.celery import app


def _registered() -> set[str]:
    """Every task the worker registers (it imports each app's tasks module)."""
    for config in apps.get_app_configs():
        if find_spec(f"{config.name}.tasks") is not None:
            import_module(f"{config.name}.tasks")
    return set(app.tasks)


def test_every_beat_entry_names_a_registered_task():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks - _registered() == set()


def test_homework_and_survey_tasks_keep_the_names_they_had_inside_quizzes():
    assert {
        "quizzes.homework_tasks.homework_grade",
        "quizzes.homework_tasks.homework_grade_due",
        "quizzes.survey_tasks.survey_detect_copies",
        "quizzes.survey_tasks.survey_detect_copies_due",
    } <= _registered()
