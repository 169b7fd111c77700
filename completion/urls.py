from django.urls import path

from completion import views

urlpatterns = [
    path(
        "certificates/<str:code>.pdf",
        views.certificate_pdf_view,
        name="certificate_pdf",
    ),
    path(
        "certificates/<str:code>/", views.certificate_verify, name="certificate_verify"
    ),
]
