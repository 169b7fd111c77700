from django.urls import path

from archives import tus, views

urlpatterns = [
    path(
        "staff/<slug:slug>/lectures/<int:number>/materials/",
        views.staff_materials,
        name="staff_materials",
    ),
    path(
        "staff/<slug:slug>/lectures/<int:number>/uploads/",
        tus.uploads,
        name="tus_uploads",
    ),
    path("staff/<slug:slug>/uploads/<uuid:upload_id>/", tus.upload, name="tus_upload"),
    path(
        "staff/<slug:slug>/materials/<int:material_id>/publish/",
        views.material_publish,
        name="material_publish",
    ),
    path(
        "staff/<slug:slug>/materials/<int:material_id>/delete/",
        views.material_delete,
        name="material_delete",
    ),
    path(
        "courses/<slug:slug>/materials/<int:material_id>/poster/",
        views.material_poster,
        name="material_poster",
    ),
    path(
        "courses/<slug:slug>/materials/<int:material_id>/<str:filename>",
        views.material_file,
        name="material_file",
    ),
]
