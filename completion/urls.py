from django.urls import path

from completion import staff_views, views

urlpatterns = [
    path(".well-known/did.json", views.did_document, name="issuer_did_document"),
    path(
        "certificates/status/revocation",
        views.certificate_status_list,
        name="certificate_status_list",
    ),
    path(
        "certificates/<str:code>.json",
        views.certificate_credential,
        name="certificate_credential",
    ),
    path(
        "certificates/<str:code>.jwt",
        views.certificate_credential_jwt,
        name="certificate_credential_jwt",
    ),
    path(
        "certificates/<str:code>/verify.json",
        views.certificate_verify_json,
        name="certificate_verify_json",
    ),
    path(
        "certificates/<str:code>.pdf",
        views.certificate_pdf_view,
        name="certificate_pdf",
    ),
    path(
        "certificates/<str:code>/", views.certificate_verify, name="certificate_verify"
    ),
    path("courses/<slug:slug>/progress/", views.progress, name="progress"),
    path(
        "courses/<slug:slug>/progress/certificate-name/",
        views.printed_name,
        name="progress_certificate_name",
    ),
    path(
        "courses/<slug:slug>/progress/certificate-correction/",
        views.correction_request,
        name="progress_certificate_correction",
    ),
    path(
        "staff/<slug:slug>/completion/",
        staff_views.dashboard,
        name="staff_completion",
    ),
    path(
        "staff/<slug:slug>/completion.csv",
        staff_views.dashboard_csv,
        name="staff_completion_csv",
    ),
    path(
        "staff/<slug:slug>/completion/remind/",
        staff_views.reminder,
        name="staff_completion_remind",
    ),
    path(
        "staff/<slug:slug>/completion/overrides/",
        staff_views.overrides,
        name="staff_completion_overrides",
    ),
    path(
        "staff/<slug:slug>/completion/learners/<int:enrollment_id>/override/",
        staff_views.override,
        name="staff_completion_override",
    ),
    path(
        "staff/<slug:slug>/completion/certificates/",
        staff_views.certificates,
        name="staff_certificates",
    ),
    path(
        "staff/<slug:slug>/completion/run/",
        staff_views.certification,
        name="staff_completion_run",
    ),
    path(
        "staff/<slug:slug>/completion/run/start/",
        staff_views.certification_start,
        name="staff_completion_run_start",
    ),
]
