from django.urls import path

from courses import views

urlpatterns = [
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path(
        "courses/<slug:slug>/lectures/<int:number>/",
        views.lecture_detail,
        name="lecture_detail",
    ),
]
