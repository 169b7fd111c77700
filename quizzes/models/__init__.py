"""Homework (quizzes.models.homework) and the weekly survey (quizzes.models.survey)."""

from quizzes.models.homework import *  # noqa: F403
from quizzes.models.survey import *  # noqa: F403
