from quizzes.homework_tasks import *  # noqa: F403
