from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "affiliation", "category", "is_active"]
    list_filter = ["category", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name", "affiliation"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "affiliation", "category", "language")},
        ),
        (
            pgettext_lazy("user account", "Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (
            pgettext_lazy("user account", "Important dates"),
            {"fields": ("last_login", "date_joined")},
        ),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )
