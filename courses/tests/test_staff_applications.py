import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrollment, NoticeState
from lms.models import Job

pytestmark = pytest.mark.django_db

URL = "/staff/llm/applications/"


def test_staff_see_applications_with_their_status_counts(client, staff, applicant):
    client.force_login(staff)

    page = client.get(URL)

    assert page.status_code == 200
    assert "applicant@example.com" in page.text
    assert "Applied (1)" in page.text


def test_staff_filter_by_status_and_category_and_search(
    client, staff, course, user_factory
):
    ada = user_factory(display_name="Ada", email="ada@uni.example")
    bob = user_factory(display_name="Bob", email="bob@corp.example")
    Enrollment.objects.create(course=course, user=ada, affiliation="Kyoto Univ.")
    Enrollment.objects.create(
        course=course, user=bob, category="working", status="waitlisted"
    )
    client.force_login(staff)

    assert "Bob" not in client.get(URL, {"status": "applied"}).text
    assert "Ada" not in client.get(URL, {"category": "working"}).text
    by_affiliation = client.get(URL, {"q": "kyoto"}).text
    assert "ada@uni.example" in by_affiliation
    assert "bob@corp.example" not in by_affiliation
    assert "ada@uni.example" not in client.get(URL, {"q": "corp"}).text


def test_a_bad_filter_value_shows_everything_instead_of_an_error(
    client, staff, applicant
):
    client.force_login(staff)

    page = client.get(URL, {"status": "nonsense", "sort": "evil"})

    assert page.status_code == 200
    assert "applicant@example.com" in page.text


def test_sorting_by_name(client, staff, course, user_factory):
    for name in ["Charlie", "Alice", "Bob"]:
        Enrollment.objects.create(course=course, user=user_factory(display_name=name))
    client.force_login(staff)

    text = client.get(URL, {"sort": "name"}).text

    assert text.index("Alice") < text.index("Bob") < text.index("Charlie")


def _link(response, rel: str) -> str | None:
    """The list's "Next" or "Previous" link (rel="next"/"prev") as a URL."""
    found = re.search(rf'rel="{rel}" href="([^"]+)"', response.text)
    return URL + unescape(found.group(1)) if found else None


def test_the_list_pages_thousands_of_rows_with_a_constant_number_of_queries(
    client, staff, make_applicants
):
    make_applicants(120)
    client.force_login(staff)
    client.get(URL)  # warm up the session and the role cache

    with CaptureQueriesContext(connection) as small:
        first = client.get(URL)
    second = client.get(_link(first, "next"))
    with CaptureQueriesContext(connection) as third_page:
        page = client.get(_link(second, "next"))

    assert Enrollment.objects.count() == 120
    assert page.text.count('name="selected"') == 20  # 50 + 50 + 20
    assert _link(page, "next") is None and _link(page, "prev")
    assert len(third_page) == len(small)
    assert len(small) < 15


def test_staff_read_one_application_with_its_answers(
    client, staff, course, applicant, questions
):
    enrollment = Enrollment.objects.get(user=applicant)
    enrollment.answers = {str(questions[1].pk): "Because transformers."}
    enrollment.save()
    client.force_login(staff)

    page = client.get(f"{URL}{enrollment.pk}/")

    assert "Why this course?" in page.text
    assert "Because transformers." in page.text


def test_an_application_of_another_course_is_not_found(client, staff, other_learner):
    client.force_login(staff)
    other = Enrollment.objects.get(user=other_learner)

    assert client.get(f"{URL}{other.pk}/").status_code == 404


def test_approving_one_records_who_and_when_and_emails_the_applicant(
    client, staff, applicant, django_capture_on_commit_callbacks
):
    enrollment = Enrollment.objects.get(user=applicant)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{URL}decide/", {"decision": "approved", "selected": [enrollment.pk]}
        )

    enrollment.refresh_from_db()
    assert response.status_code == 302
    assert enrollment.status == "approved"
    assert enrollment.decided_by == staff
    assert enrollment.decided_at is not None
    assert enrollment.notice_state == NoticeState.SENT
    assert [m.to for m in mail.outbox] == [["applicant@example.com"]]


def test_the_decision_email_is_in_the_applicants_language(
    client, staff, applicant, django_capture_on_commit_callbacks
):
    applicant.language = "ja"
    applicant.save()
    enrollment = Enrollment.objects.get(user=applicant)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{URL}decide/", {"decision": "approved", "selected": [enrollment.pk]}
        )

    assert "受講" in mail.outbox[0].subject
    assert "Large Language Models" in mail.outbox[0].subject


def test_checked_rows_are_decided_in_one_job(
    client, staff, course, make_applicants, django_capture_on_commit_callbacks
):
    enrollments = make_applicants(5)
    chosen = [e.pk for e in enrollments[:3]]
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{URL}decide/",
            {"decision": "rejected", "selected": chosen, "confirmed": "1"},
        )

    job = Job.objects.get(kind="decision_emails")
    assert f"job={job.pk}" in response["Location"]
    assert set(
        Enrollment.objects.filter(status="rejected").values_list("pk", flat=True)
    ) == set(chosen)
    assert job.state == Job.State.DONE and job.done == 3
    assert len(mail.outbox) == 3


def test_all_rows_matching_the_filter_are_decided(
    client, staff, course, make_applicants, user_factory
):
    make_applicants(30)
    worker = Enrollment.objects.create(
        course=course, user=user_factory(), category="working"
    )
    client.force_login(staff)

    client.post(
        f"{URL}decide/",
        {
            "decision": "waitlisted",
            "scope": "filter",
            "category": "student",
            "confirmed": "1",
        },
    )

    assert Enrollment.objects.filter(status="waitlisted").count() == 30
    worker.refresh_from_db()
    assert worker.status == "applied"


def test_deciding_nothing_says_so(client, staff, applicant):
    client.force_login(staff)

    response = client.post(f"{URL}decide/", {"decision": "approved"}, follow=True)

    assert "Select at least one application." in response.text
    assert Enrollment.objects.get(user=applicant).status == "applied"


def test_approving_over_capacity_is_refused_with_a_clear_message(
    client, staff, course, make_applicants
):
    course.capacity = 10
    course.save()
    make_applicants(11)
    client.force_login(staff)

    response = client.post(
        f"{URL}decide/",
        {"decision": "approved", "scope": "filter", "confirmed": "1"},
        follow=True,
    )

    assert "would exceed the capacity of 10" in response.text
    assert "10 places are left" in response.text
    assert not Enrollment.objects.filter(status="approved").exists()
    assert not Job.objects.exists()


def test_approving_up_to_capacity_is_allowed(client, staff, course, make_applicants):
    course.capacity = 10
    course.save()
    make_applicants(10)
    client.force_login(staff)

    client.post(
        f"{URL}decide/", {"decision": "approved", "scope": "filter", "confirmed": "1"}
    )

    assert Enrollment.objects.filter(status="approved").count() == 10


def test_staff_reopen_a_decision(client, staff, applicant):
    enrollment = Enrollment.objects.get(user=applicant)
    enrollment.status = "rejected"
    enrollment.decided_by = staff
    enrollment.save()
    client.force_login(staff)

    response = client.post(f"{URL}{enrollment.pk}/reopen/", follow=True)

    enrollment.refresh_from_db()
    assert enrollment.status == "applied"
    assert enrollment.decided_by is None
    assert "open for a decision again" in response.text


def test_a_learner_opening_a_staff_page_is_forbidden(client, learner, applicant):
    client.force_login(learner)
    enrollment = Enrollment.objects.get(user=applicant)

    assert client.get(URL).status_code == 403
    response = client.post(
        f"{URL}decide/", {"decision": "approved", "selected": [enrollment.pk]}
    )
    assert response.status_code == 403
    assert Enrollment.objects.get(user=applicant).status == "applied"


def test_staff_cannot_decide_applications_of_another_course(
    client, staff, other_learner
):
    other = Enrollment.objects.get(user=other_learner)
    other.status = "applied"
    other.save()
    client.force_login(staff)

    client.post(f"{URL}decide/", {"decision": "rejected", "selected": [other.pk]})

    assert Enrollment.objects.get(pk=other.pk).status == "applied"


def test_an_htmx_filter_request_gets_only_the_table(client, staff, applicant):
    client.force_login(staff)

    response = client.get(URL, {"q": "applicant"}, headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<div id="application-table">')
    assert "applicant@example.com" in response.text


def test_the_page_shows_the_progress_of_a_bulk_decision(
    client, staff, course, make_applicants
):
    make_applicants(3)
    client.force_login(staff)

    response = client.post(
        f"{URL}decide/",
        {"decision": "waitlisted", "scope": "filter", "confirmed": "1"},
        follow=True,
    )

    job = Job.objects.get()
    assert f'id="job-{job.pk}"' in response.text
    assert client.get(f"/jobs/{job.pk}/").status_code == 200


def test_applying_to_all_matching_asks_first_saying_who_gets_which_email(
    client, staff, course, make_applicants, django_capture_on_commit_callbacks
):
    make_applicants(3)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(
            f"{URL}decide/", {"decision": "approved", "scope": "filter"}
        )

    assert confirm.status_code == 200
    assert "This marks 3 applications as “Approved”." in confirm.text
    assert "3 people will receive an email saying they are admitted" in confirm.text
    assert not Enrollment.objects.filter(status="approved").exists()
    assert mail.outbox == []


def test_the_confirmation_counts_only_the_applications_that_would_change(
    client, staff, course, make_applicants
):
    applicants = make_applicants(3)
    Enrollment.objects.filter(pk=applicants[0].pk).update(status="approved")
    client.force_login(staff)

    confirm = client.post(
        f"{URL}decide/",
        {"decision": "approved", "selected": [e.pk for e in applicants]},
    )

    assert "This marks 2 applications as “Approved”." in confirm.text


def test_staff_download_the_filtered_applications_as_csv_on_the_course_clock(
    client, staff, course, user_factory
):
    from datetime import UTC, datetime

    from courses.models import ApplicationQuestion

    question = ApplicationQuestion.objects.create(
        course=course, text="Why this course?", position=1
    )
    ada = user_factory(display_name="Ada", email="ada@uni.example")
    Enrollment.objects.create(
        course=course,
        user=ada,
        affiliation="=HYPERLINK()",
        applied_at=datetime(2026, 4, 1, 3, 0, tzinfo=UTC),
        answers={question.answer_key: "To learn"},
    )
    Enrollment.objects.create(
        course=course,
        user=user_factory(email="bob@corp.example"),
        status="rejected",
    )
    client.force_login(staff)

    response = client.get("/staff/llm/applications.csv", {"status": "applied"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Disposition"].endswith('llm-applications.csv"')
    header, row, *rest = text.splitlines()
    assert header.endswith("decided_at,Why this course?")
    assert row.startswith("ada@uni.example,Ada,student,'=HYPERLINK(),applied,")
    assert "2026-04-01T12:00:00+09:00" in row
    assert row.endswith("To learn")
    assert rest == []


def test_the_applications_csv_is_staff_only(client, learner):
    client.force_login(learner)

    assert client.get("/staff/llm/applications.csv").status_code in (403, 404)


@pytest.mark.parametrize("q", ["ada", "LOVEL", "Ad", "a.l@UNI", "kyoto UNIV"])
def test_search_finds_an_applicant_by_part_of_name_email_or_affiliation_in_any_case(
    client, staff, course, other_course, user_factory, q
):
    ada = user_factory(display_name="Ada Lovelace", email="ada.l@uni.example")
    Enrollment.objects.create(course=course, user=ada, affiliation="Kyoto Univ.")
    bob = user_factory(display_name="Bob", email="bob@corp.example")
    Enrollment.objects.create(course=course, user=bob, affiliation="Osaka")
    # The same name and affiliation in another course is not this list's row.
    twin = user_factory(display_name="Ada Lovelace", email="twin@uni.example")
    Enrollment.objects.create(course=other_course, user=twin, affiliation="Kyoto Univ.")
    client.force_login(staff)

    page = client.get(URL, {"q": q}).text

    assert "ada.l@uni.example" in page
    assert "bob@corp.example" not in page
    assert "twin@uni.example" not in page


def test_search_keeps_the_status_filter_and_the_sort(
    client, staff, course, user_factory
):
    for name, status, affiliation in [
        ("Kim A", "applied", "Tokyo"),
        ("Kim B", "approved", "Tokyo"),
        ("Lee", "applied", "Tokyo Tech"),
        ("Kim C", "applied", ""),
    ]:
        Enrollment.objects.create(
            course=course,
            user=user_factory(display_name=name),
            status=status,
            affiliation=affiliation,
        )
    client.force_login(staff)

    page = client.get(URL, {"q": "tokyo", "status": "applied", "sort": "name"}).text

    assert page.index("Kim A") < page.index("Lee")
    assert "Kim B" not in page and "Kim C" not in page


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("name", lambda e: (e.user.display_name, e.pk)),
        ("affiliation", lambda e: (e.affiliation, e.pk)),
        ("status", lambda e: (e.status, -e.applied_at.timestamp(), -e.pk)),
        ("-applied", lambda e: (-e.applied_at.timestamp(), -e.pk)),
    ],
)
def test_every_sort_pages_through_ties_in_id_order_without_skipping_anyone(
    client, staff, course, user_factory, sort, key
):
    """120 applications sharing four names, three affiliations, two
    statuses and two times: the pages, read with Next, are the whole list
    in the sort's order with the id breaking ties, each row once."""
    now = timezone.now()
    for i in range(120):
        Enrollment.objects.create(
            course=course,
            user=user_factory(display_name=f"Twin {i % 4}", email=f"t{i}@ex.example"),
            affiliation=["Kyoto", "", "Osaka"][i % 3],
            status=["applied", "waitlisted"][i % 2],
            applied_at=now - timedelta(days=i % 2),
        )
    everyone = Enrollment.objects.filter(course=course).select_related("user")
    expected = [e.pk for e in sorted(everyone, key=key)]
    client.force_login(staff)

    seen, url = [], f"{URL}?sort={sort}"
    while url:
        page = client.get(url)
        seen += [
            int(pk) for pk in re.findall(r'name="selected" value="(\d+)"', page.text)
        ]
        url = _link(page, "next")

    assert seen == expected


def test_deciding_all_applications_matching_a_search_decides_only_those(
    client, staff, course, other_course, user_factory
):
    found = [
        Enrollment.objects.create(
            course=course, user=user_factory(display_name="Kato Yui")
        ),
        Enrollment.objects.create(
            course=course, user=user_factory(), affiliation="KATO Lab"
        ),
    ]
    missed = Enrollment.objects.create(
        course=course, user=user_factory(display_name="Sato")
    )
    elsewhere = Enrollment.objects.create(
        course=other_course, user=user_factory(display_name="Kato Ren")
    )
    client.force_login(staff)

    client.post(
        f"{URL}decide/",
        {"decision": "waitlisted", "scope": "filter", "q": "kato", "confirmed": "1"},
    )

    assert {e.pk for e in Enrollment.objects.filter(status="waitlisted")} == {
        e.pk for e in found
    }
    missed.refresh_from_db()
    elsewhere.refresh_from_db()
    assert missed.status == elsewhere.status == "applied"
