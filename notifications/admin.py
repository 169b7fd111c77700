from django.contrib import admin

from notifications.models import EmailPreference, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """For the operator's repairs: who was told what, and its email."""

    list_display = [
        "recipient",
        "kind",
        "course",
        "created_at",
        "read_at",
        "email_state",
    ]
    list_filter = ["kind", "email_state"]
    list_select_related = ["recipient", "course"]
    search_fields = ["recipient__email", "dedupe_key"]
    raw_id_fields = ["recipient", "course", "email_job"]
    date_hierarchy = "created_at"


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "channel"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]
