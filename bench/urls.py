"""Benchmark floor views; lms/urls.py includes these only when BENCH_VIEWS=1."""

from django.urls import path

from bench import views

urlpatterns = [
    path("noop/", views.noop, name="bench_noop"),
    path("submit/", views.submit_floor, name="bench_submit_floor"),
]
