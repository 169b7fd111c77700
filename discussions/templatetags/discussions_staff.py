"""The staff overview's Q&A card (`{% load discussions_staff %}{% qa_card
course %}`): how many questions wait for an answer and how many reports are
open, so `courses` links to the Q&A without importing it."""

from django import template

from discussions.models import PostState, Question, Report
from discussions.moderation import reports_of

register = template.Library()


@register.inclusion_tag("discussions/_staff_card.html")
def qa_card(course) -> dict:
    waiting = (
        Question.objects.filter(
            course=course, answers_count=0, merged_into__isnull=True
        )
        .exclude(state=PostState.DELETED)
        .count()
    )
    reports = Report.objects.filter(reports_of(course), resolved_at__isnull=True)
    return {"course": course, "waiting": waiting, "reports": reports.count()}
