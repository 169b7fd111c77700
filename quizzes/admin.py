import quizzes.homework_admin
import quizzes.survey_admin  # noqa: F401
