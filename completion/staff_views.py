"""Staff pages of completion: the dashboard, its CSV, overrides, the audit
list, reminders and certification runs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from completion import selectors, services
from completion.forms import (
    NEW_TIER_ID,
    CorrectionDecisionForm,
    DashboardFilterForm,
    OverrideForm,
    ReminderForm,
    RevokeForm,
    RulesForm,
)
from completion.models import (
    Certificate,
    CertificateCorrection,
    CertificateEvent,
    CompletionOverride,
    CompletionRecord,
    CompletionTier,
    TotalsState,
)
from courses.access import course_staff_required
from courses.models import Course, Enrollment
from lms.counts import estimated_count
from lms.csv import csv_query_response
from lms.keyset import keyset_page
from lms.models import Job
from lms.partials import render_partial

PAGE_SIZE = 50
FLIPS_PAGE_SIZE = 50


def _filtered_rows(request: HttpRequest, course: Course, data, risk=None):
    form = DashboardFilterForm(data, course=course)
    filters = form.filters()
    sort = filters.get("sort") or "name"
    rows = selectors.dashboard_rows(
        course=course,
        outcome=filters["outcome"],
        tier=filters["tier"],
        category=filters["category"],
        at_risk=bool(filters["at_risk"]),
        q=filters["q"],
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        risk=risk,
    )
    return form, filters, rows


SUMMARY_MARKS = {"accepted": "✔", "pending": "○"}


def _cell(cell: dict) -> tuple[bool, str]:
    """A week as the dashboard shows it: (passed, "score then summary mark")
    made here, once, rather than by a chain of template conditions run for
    every one of a page's 750 cells (see the legend in the template)."""
    score = cell.get("score")
    summary = cell.get("summary")
    mark = SUMMARY_MARKS.get(summary, "!") if summary else ""
    return bool(cell.get("passed")), ("·" if score is None else str(score)) + mark


@course_staff_required
def dashboard(request: HttpRequest, course: Course) -> HttpResponse:
    # "At risk" is measured once: the filter and its definition beside it
    # read the same numbers.
    risk = selectors.at_risk_inputs(course, now=timezone.now())
    form, filters, rows = _filtered_rows(request, course, request.GET, risk=risk)
    sort = filters.get("sort") or "name"
    page = keyset_page(
        rows,
        keys=selectors.dashboard_keys(
            sort.lstrip("-"), descending=sort.startswith("-")
        ),
        size=PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    weeks = selectors.course_weeks(course)
    grid = selectors.week_grid(course, [e.user_id for e in page])
    tiers = {tier.pk: tier for tier in CompletionTier.objects.filter(course=course)}
    learners = [
        {
            "enrollment": e,
            "cells": [_cell(grid[e.user_id].get(w["number"], {})) for w in weeks],
            "tier": tiers.get(e.final_tier),
        }
        for e in page
    ]
    query = {k: v for k, v in filters.items() if v}
    context = {
        "course": course,
        "filter_form": form,
        "filters": filters,
        "page": page,
        "count": estimated_count(rows),
        "totals_state": TotalsState.objects.filter(course=course).first(),
        "learners": learners,
        "weeks": weeks,
        "filter_query": urlencode(query),
        "csv_url": reverse("staff_completion_csv", args=[course.slug])
        + ("?" + urlencode(query) if query else ""),
        "job": Job.of_course(course, request.GET.get("job")),
        "reminder_form": ReminderForm(),
        "at_risk": risk,
    }
    return render_partial(
        request,
        "completion/staff/dashboard.html",
        context,
        partial="completion-table",
    )


@course_staff_required
def dashboard_csv(request: HttpRequest, course: Course) -> StreamingHttpResponse:
    _form, _filters, rows = _filtered_rows(request, course, request.GET)
    sql, params, header = selectors.dashboard_csv_query(course, rows)
    return csv_query_response(
        sql,
        params,
        header=header,
        filename=f"{course.slug}-completion.csv",
    )


@course_staff_required
@require_POST
def reminder(request: HttpRequest, course: Course) -> HttpResponse:
    """Email every learner of the filtered view (all pages), in the
    background."""
    _form, filters, rows = _filtered_rows(request, course, request.POST)
    query = urlencode({k: v for k, v in filters.items() if v})
    back = reverse("staff_completion", args=[course.slug])
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reminder needs a subject and a message."))
        return redirect(f"{back}?{query}")
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        messages.error(request, _("No learner matches this view."))
        return redirect(f"{back}?{query}")
    if not request.POST.get("confirmed"):
        return render(
            request,
            "completion/staff/reminder_confirm.html",
            {
                "course": course,
                "count": len(ids),
                "form": form,
                "filters": filters,
                "back_url": f"{back}?{query}",
            },
        )
    job = services.reminder_start(
        course=course,
        enrollment_ids=ids,
        subject=form.cleaned_data["subject"],
        body=form.cleaned_data["body"],
        by=request.user,
    )
    messages.success(request, _("The reminder is being sent."))
    return redirect(f"{back}?{urlencode({'job': job.pk})}&{query}")


@course_staff_required
def override(request: HttpRequest, course: Course, enrollment_id: int) -> HttpResponse:
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("user"),
        course=course,
        pk=enrollment_id,
        status=Enrollment.Status.APPROVED,
    )
    record, _created = CompletionRecord.objects.get_or_create(
        enrollment=enrollment, defaults={"course": course}
    )
    form = OverrideForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        services.completion_override(
            record=record,
            outcome=form.cleaned_data["outcome"],
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
        # Certified courses certify an overridden learner right away; before
        # the first recorded run, certificates wait for it.
        if course.certificates.exists():
            services.certificates_issue(course=course)
        messages.success(request, _("The override is recorded."))
        return redirect("staff_completion_overrides", course.slug)
    metrics = selectors.learner_metrics(course, user_ids=[enrollment.user_id])
    return render(
        request,
        "completion/staff/override.html",
        {
            "course": course,
            "enrollment": enrollment,
            "record": record,
            "form": form,
            "tiers": selectors.tiers_with_criteria(
                course, metrics.get(enrollment.pk) or selectors.Metrics()
            ),
            "audit": record.overrides.select_related("by", "tier"),
        },
    )


@course_staff_required
def overrides(request: HttpRequest, course: Course) -> HttpResponse:
    rows = CompletionOverride.objects.filter(record__course=course).select_related(
        "record__enrollment__user", "by", "tier"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "completion/staff/overrides.html", {"course": course, "page": page}
    )


def _last_dry_run(course: Course) -> Job | None:
    return (
        Job.objects.filter(
            course=course, kind=services.CERTIFICATION_JOB, state=Job.State.DONE
        )
        .filter(result__dry_run=True)
        .order_by("-created_at")
        .first()
    )


@course_staff_required
def certification(request: HttpRequest, course: Course) -> HttpResponse:
    """Admins run a dry run, read every change it would record, then record
    it; staff can watch."""
    job = Job.of_course(course, request.GET.get("job"))
    if job is None:
        job = Job.objects.filter(course=course, kind=services.CERTIFICATION_JOB).first()
    changes_page = None
    tier_counts = []
    if job and job.state == Job.State.DONE and job.result:
        tiers = {t.pk: t for t in CompletionTier.objects.filter(course=course)}
        tier_counts = [
            (tiers.get(int(tier_id)) if tier_id not in ("", "None") else None, count)
            for tier_id, count in job.result.get("per_tier", {}).items()
        ]
        changes_page = Paginator(
            job.result.get("changes", []), FLIPS_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        users = {
            e.pk: e.user
            for e in Enrollment.objects.filter(
                pk__in=[c["enrollment"] for c in changes_page]
            ).select_related("user")
        }
        labels = dict(CompletionRecord.Outcome.choices)
        for change in changes_page:
            change["user"] = users.get(change["enrollment"])
            change["from_label"] = labels.get(change["from"], "")
            change["to_label"] = labels.get(change["to"], "")
            change["from_tier_obj"] = tiers.get(change.get("from_tier"))
            change["to_tier_obj"] = tiers.get(change.get("to_tier"))
            change["figures_only"] = (change["from"], change.get("from_tier")) == (
                change["to"],
                change.get("to_tier"),
            )
    return render(
        request,
        "completion/staff/certification.html",
        {
            "course": course,
            "job": job,
            "tier_counts": tier_counts,
            "changes_page": changes_page,
            "is_admin": course.is_admin(request.user),
        },
    )


@course_staff_required(admin=True)
@require_POST
def certification_start(request: HttpRequest, course: Course) -> HttpResponse:
    """A dry run starts at once (it changes nothing); recording, which
    issues and emails certificates, first shows what the last dry run
    counted and asks to confirm."""
    dry_run = request.POST.get("mode") != "record"
    if not dry_run and not request.POST.get("confirmed"):
        return render(
            request,
            "completion/staff/certification_confirm.html",
            {"course": course, "dry_run": _last_dry_run(course)},
        )
    job = services.certification_start(course=course, dry_run=dry_run, by=request.user)
    url = reverse("staff_completion_run", args=[course.slug])
    return redirect(f"{url}?{urlencode({'job': job.pk})}")


@course_staff_required
def certificates(request: HttpRequest, course: Course) -> HttpResponse:
    """Name corrections waiting for a decision, revocation, and the audit
    trail of every certificate of the course."""
    if request.method == "POST":
        _certificate_action(request, course)
        return redirect("staff_certificates", slug=course.slug)
    pending = (
        CertificateCorrection.objects.filter(
            certificate__course=course, status=CertificateCorrection.Status.PENDING
        )
        .select_related("certificate")
        .order_by("requested_at")
    )
    events = CertificateEvent.objects.filter(certificate__course=course).select_related(
        "certificate", "by"
    )
    page = Paginator(events.order_by("-at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "completion/staff/certificates.html",
        {
            "course": course,
            "pending": [
                (
                    c,
                    CorrectionDecisionForm(
                        initial={"correction": c.pk}, auto_id=f"c{c.pk}_%s"
                    ),
                )
                for c in pending
            ],
            "revoke_form": RevokeForm(),
            "page": page,
        },
    )


def _certificate_action(request: HttpRequest, course: Course) -> None:
    if "serial" in request.POST:
        form = RevokeForm(request.POST)
        certificate = form.is_valid() and (
            Certificate.objects.filter(
                course=course, serial=form.cleaned_data["serial"].strip()
            ).first()
        )
        if not certificate:
            messages.error(request, _("No certificate of this course has that serial."))
            return
        services.certificate_revoke(
            certificate=certificate, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(
            request,
            _("Certificate %(serial)s is revoked.") % {"serial": certificate.serial},
        )
        return
    form = CorrectionDecisionForm(request.POST)
    correction = form.is_valid() and (
        CertificateCorrection.objects.filter(
            pk=form.cleaned_data["correction"], certificate__course=course
        ).first()
    )
    if not correction:
        messages.error(request, _("That correction request does not exist."))
        return
    try:
        if form.cleaned_data["decision"] == "approve":
            new = services.certificate_correction_approve(
                correction=correction, by=request.user, note=form.cleaned_data["note"]
            )
            messages.success(
                request,
                _("Re-issued as %(serial)s; the old certificate is superseded.")
                % {"serial": new.serial},
            )
        else:
            services.certificate_correction_deny(
                correction=correction, by=request.user, note=form.cleaned_data["note"]
            )
            messages.success(request, _("The correction was denied."))
    except services.CertificateError as error:
        messages.error(request, str(error))


def _rules_form(course: Course, data=None) -> RulesForm:
    tiers = list(CompletionTier.objects.filter(course=course).prefetch_related("rules"))
    return RulesForm(data, tiers=tiers, totals=selectors.rule_totals(course))


def _rules_preview(course: Course, form: RulesForm) -> dict | None:
    """How many learners each tier would hold with the rules on the form,
    decided by the certification's own code (`certification_compute`, dry)
    from the same metrics, next to how many the recorded decisions hold."""
    if not form.is_valid():
        return None
    tiers = form.tier_rules()
    summary = services.certification_compute(
        course=course,
        metrics=selectors.learner_metrics(course),
        dry_run=True,
        tiers=tiers,
    )
    recorded = selectors.recorded_tier_counts(course)
    names = {
        (item["tier"].pk if item["tier"] else NEW_TIER_ID): item for item in form.spec()
    }
    rows = [
        {
            "name_ja": names[t.tier_id]["name_ja"],
            "name_en": names[t.tier_id]["name_en"],
            "count": summary.per_tier.get(t.tier_id, 0),
            "recorded": recorded.get(t.tier_id, 0),
            "unreachable": not t.rules,
            "is_new": t.tier_id == NEW_TIER_ID,
        }
        for t in sorted(tiers, key=lambda t: t.rank)
    ]
    return {
        "rows": rows,
        "learners": summary.learners,
        "complete": summary.complete,
        "incomplete": summary.learners - summary.complete,
        "recorded_complete": sum(recorded.values()),
        "flip_count": len(summary.flips),
    }


@course_staff_required
def rules(request: HttpRequest, course: Course) -> HttpResponse:
    """Completion tiers and their criteria in plain words, with how many
    learners each tier would hold before saving. Staff read and preview;
    admins save."""
    is_admin = course.is_admin(request.user)
    if request.method == "POST":
        form = _rules_form(course, request.POST)
        if request.POST.get("action") == "save":
            if not is_admin:
                raise PermissionDenied
            if form.is_valid():
                services.completion_rules_save(course=course, spec=form.spec())
                messages.success(
                    request,
                    _(
                        "The completion rules are saved. Records change at the "
                        "next certification run."
                    ),
                )
                return redirect("staff_completion_rules", course.slug)
    else:
        form = _rules_form(course)
        form = _rules_form(course, _initial_data(form))
    context = {
        "course": course,
        "form": form,
        "rows": form.rows(),
        "preview": _rules_preview(course, form),
        "is_admin": is_admin,
    }
    return render_partial(
        request,
        "completion/staff/rules.html",
        context,
        partial="rules-preview",
        target="rules-preview",
    )


def _initial_data(form: RulesForm) -> QueryDict:
    """The saved rules as form data, so the first preview is of them."""
    data = QueryDict(mutable=True)
    for name, field in form.fields.items():
        value = field.initial
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    return data
