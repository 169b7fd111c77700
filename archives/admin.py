from django.contrib import admin

from archives.models import Material, Upload


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["__str__", "lecture", "kind", "state", "published", "size"]
    list_filter = ["kind", "state", "published", "lecture__course"]
    search_fields = ["title", "original_name", "lecture__title"]
    raw_id_fields = ["lecture", "created_by"]
    readonly_fields = [
        "size", "content_type", "duration", "width", "height", "codec",
        "poster", "state", "failure_reason", "published_at",
    ]  # fmt: skip


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["__str__", "lecture", "kind", "offset", "length", "updated_at"]
    raw_id_fields = ["lecture", "owner"]
