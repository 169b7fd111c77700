import quizzes.homework_admin  # noqa: F401
