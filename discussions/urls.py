from django.urls import path

from discussions import views

urlpatterns = [
    path("courses/<slug:slug>/questions/", views.question_list, name="question_list"),
    path("courses/<slug:slug>/questions/ask/", views.question_ask, name="question_ask"),
    path(
        "courses/<slug:slug>/questions/similar/",
        views.question_similar,
        name="question_similar",
    ),
    path(
        "courses/<slug:slug>/questions/<int:pk>/",
        views.question_detail,
        name="question_detail",
    ),
    path(
        "courses/<slug:slug>/questions/<int:pk>/answer/",
        views.question_answer,
        name="question_answer",
    ),
    path(
        "courses/<slug:slug>/questions/<int:pk>/comment/",
        views.question_comment,
        name="question_comment",
    ),
    path(
        "courses/<slug:slug>/questions/<int:pk>/vote/",
        views.question_vote,
        name="question_vote",
    ),
    path(
        "courses/<slug:slug>/questions/<int:pk>/solve/",
        views.question_solve,
        name="question_solve",
    ),
    path(
        "courses/<slug:slug>/questions/answers/<int:pk>/endorse/",
        views.answer_endorse,
        name="answer_endorse",
    ),
    path(
        "courses/<slug:slug>/questions/attachments/<int:pk>/",
        views.attachment_file,
        name="discussion_attachment",
    ),
    path(
        "staff/<slug:slug>/questions/<int:pk>/merge/",
        views.staff_question_merge,
        name="staff_question_merge",
    ),
]
