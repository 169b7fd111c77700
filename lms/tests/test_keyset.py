"""Keyset pages (lms.keyset) as staff use them: Next and Previous walk the
whole list once, in a stable order even where the sort key ties, keep the
filter, and a cursor that does not verify gives the first page."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from completion.tests.factories import bulk_learners, course_work
from completion.totals import dashboard_totals_refresh
from courses.models import Enrollment
from lms.keyset import keyset_page

pytestmark = pytest.mark.django_db
DASHBOARD = "/staff/llm/completion/"


def _link(response, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return DASHBOARD + unescape(found.group(1)) if found else None


def _emails(response) -> list[str]:
    return re.findall(r"([\w.+-]+@example\.com) ·", response.content.decode())


@pytest.fixture
def cohort(course, staff):
    """120 learners whose points tie in groups (scores i % 6 every week)."""
    course_work(course)
    bulk_learners(course, 120)
    dashboard_totals_refresh(course=course)
    return Enrollment.objects.filter(course=course, status="approved")


def test_next_walks_every_learner_once_in_a_stable_order_despite_ties(
    client, staff, cohort
):
    client.force_login(staff)
    seen, url = [], f"{DASHBOARD}?sort=-points"
    while url:
        response = client.get(url)
        seen += _emails(response)
        url = _link(response, "next")

    assert len(seen) == len(set(seen)) == cohort.count()
    expected = [
        e.user.email
        for e in cohort.select_related("user").order_by("-homework_points", "-pk")
    ]
    assert seen == expected


def test_previous_returns_the_same_rows_as_the_page_before(client, staff, cohort):
    client.force_login(staff)
    first = client.get(f"{DASHBOARD}?sort=points")
    second = client.get(_link(first, "next"))
    third = client.get(_link(second, "next"))

    back = client.get(_link(third, "prev"))

    assert _emails(back) == _emails(second)
    assert _link(first, "prev") is None
    assert _emails(client.get(_link(back, "prev"))) == _emails(first)


def test_the_filter_is_kept_across_pages(client, staff, cohort, course):
    some = list(cohort.values_list("pk", flat=True)[:70])
    Enrollment.objects.filter(pk__in=some).update(category="working")
    client.force_login(staff)
    first = client.get(f"{DASHBOARD}?category=working&sort=name")

    second = client.get(_link(first, "next"))

    assert "category=working" in _link(first, "next")
    working = set(
        cohort.filter(category="working").values_list("user__email", flat=True)
    )
    assert set(_emails(first)) | set(_emails(second)) == working
    assert len(_emails(second)) == 20 and _link(second, "next") is None


def test_an_edited_cursor_gives_the_first_page(client, staff, cohort):
    client.force_login(staff)
    first = client.get(DASHBOARD)

    response = client.get(f"{DASHBOARD}?after=not-a-cursor")

    assert response.status_code == 200
    assert _emails(response) == _emails(first)


def test_a_page_costs_the_same_queries_at_any_depth(client, staff, cohort):
    client.force_login(staff)
    first = client.get(DASHBOARD)
    last = _link(client.get(_link(first, "next")), "next")
    with CaptureQueriesContext(connection) as at_first:
        client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as at_last:
        response = client.get(last)

    assert len(_emails(response)) == 20
    assert len(at_last) == len(at_first)


def test_datetime_keys_keep_their_microseconds(course, user_factory):
    from django.utils import timezone

    at = timezone.now().replace(microsecond=123456)
    for n in range(5):
        Enrollment.objects.create(
            course=course,
            user=user_factory(),
            applied_at=at.replace(microsecond=123456 + n),
        )
    rows = Enrollment.objects.filter(course=course)
    keys = [("applied_at", False), ("pk", False)]

    first = keyset_page(rows, keys=keys, size=2)
    second = keyset_page(rows, keys=keys, size=2, after=first.next_cursor)
    third = keyset_page(rows, keys=keys, size=2, after=second.next_cursor)

    walked = [e.pk for page in (first, second, third) for e in page]
    in_order = rows.order_by("applied_at", "pk").values_list("pk", flat=True)
    assert walked == list(in_order)
