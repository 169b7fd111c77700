from django.urls import include, path

urlpatterns = [
    path("", include("quizzes.homework_urls")),
    path("", include("quizzes.survey_urls")),
]
