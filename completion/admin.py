from django.contrib import admin

from completion.models import (
    Certificate,
    CertificateSeries,
    CompletionOverride,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
)


class CompletionRuleInline(admin.TabularInline):
    model = CompletionRule
    extra = 1


@admin.register(CompletionTier)
class CompletionTierAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ja", "course", "rank"]
    list_filter = ["course"]
    inlines = [CompletionRuleInline]


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
    readonly_fields = ["code", "serial", "number"]
