from quizzes.survey_tasks import *  # noqa
