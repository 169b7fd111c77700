import quizzes.survey_admin  # noqa
