from django.urls import path

from quizzes.surveys import views

urlpatterns = [
    path(
        "courses/<slug:slug>/lectures/<int:number>/survey/",
        views.survey,
        name="survey",
    ),
    path(
        "courses/<slug:slug>/lectures/<int:number>/survey/draft/",
        views.survey_draft,
        name="survey_draft",
    ),
    path("staff/<slug:slug>/surveys/", views.staff_surveys, name="staff_surveys"),
    path(
        "staff/<slug:slug>/surveys/settings/",
        views.staff_survey_settings,
        name="staff_survey_settings",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/",
        views.staff_survey,
        name="staff_survey",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/summaries/",
        views.staff_summaries,
        name="staff_survey_summaries",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/summaries/accept/",
        views.staff_accept_selected,
        name="staff_survey_accept_selected",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/summaries/<int:response_id>/review/",
        views.staff_review,
        name="staff_survey_review",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/responses.csv",
        views.staff_responses_csv,
        name="staff_survey_responses_csv",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/aggregates.csv",
        views.staff_aggregates_csv,
        name="staff_survey_aggregates_csv",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/copies/",
        views.staff_copies,
        name="staff_survey_copies",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/copies/run/",
        views.staff_copies_run,
        name="staff_survey_copies_run",
    ),
    path(
        "staff/<slug:slug>/surveys/<int:number>/copies/<int:pair_id>/",
        views.staff_copy_pair,
        name="staff_survey_copy_pair",
    ),
]
