from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from completion.models import (
    Certificate,
    CertificateCorrection,
    CertificateEvent,
    CertificateSeries,
    CompletionOverride,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
)
from courses.admin import CourseAdmin


class CompletionRuleInline(admin.StackedInline):
    model = CompletionRule
    extra = 1


@admin.register(CompletionTier)
class CompletionTierAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ja", "course", "rank", "rule_summary"]
    list_filter = ["course"]
    list_select_related = ["course"]
    inlines = [CompletionRuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")

    @admin.display(description=_("rules"))
    def rule_summary(self, tier: CompletionTier) -> str:
        return "; ".join(str(rule) for rule in tier.rules.all())


class CompletionTierInline(admin.TabularInline):
    """Tiers on the course page; "change" opens a tier with its rules."""

    model = CompletionTier
    extra = 0
    show_change_link = True
    fields = ["rank", "name_ja", "name_en"]


class CertificateSeriesInline(admin.StackedInline):
    model = CertificateSeries
    extra = 0
    max_num = 1
    readonly_fields = ["next_number"]


# Completion settings are reached from the course they belong to.
CourseAdmin.inlines = [
    *CourseAdmin.inlines,
    CompletionTierInline,
    CertificateSeriesInline,
]


@admin.register(CertificateSeries)
class CertificateSeriesAdmin(admin.ModelAdmin):
    list_display = ["course", "prefix", "next_number", "issuer"]
    readonly_fields = ["next_number"]


@admin.register(CompletionRecord)
class CompletionRecordAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "outcome", "tier", "override_outcome", "decided_at"]
    list_filter = ["course", "outcome", "override_outcome"]
    search_fields = ["enrollment__user__email", "enrollment__user__display_name"]
    raw_id_fields = ["enrollment"]
    readonly_fields = ["metrics", "outcome", "tier", "decided_at"]


@admin.register(CompletionOverride)
class CompletionOverrideAdmin(admin.ModelAdmin):
    list_display = ["record", "outcome", "tier", "by", "at"]
    readonly_fields = [f.name for f in CompletionOverride._meta.fields]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "enrollment", "tier", "issued_at", "revoked_at"]
    list_filter = ["course", "tier"]
    search_fields = ["serial", "enrollment__user__email"]
    raw_id_fields = ["enrollment"]
    # What a certificate says is frozen at issue: corrections go through the
    # staff page (a new certificate), revocation too (with its audit event).
    readonly_fields = [
        "code",
        "serial",
        "number",
        "holder_name",
        "holder_name_latin",
        "course_title",
        "course_term",
        "tier_name_ja",
        "tier_name_en",
        "criteria",
        "issuer_name",
        "recipient_salt",
        "recipient_hash",
        "credential_jwt",
        "revoked_at",
        "superseded_at",
        "superseded_by",
    ]


@admin.register(CertificateCorrection)
class CertificateCorrectionAdmin(admin.ModelAdmin):
    list_display = ["certificate", "name", "status", "requested_at", "decided_by"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in CertificateCorrection._meta.fields]


@admin.register(CertificateEvent)
class CertificateEventAdmin(admin.ModelAdmin):
    list_display = ["certificate", "kind", "by", "at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in CertificateEvent._meta.fields]
