from quizzes.homework_tasks import *  # noqa: F403
from quizzes.survey_tasks import *  # noqa: F403
