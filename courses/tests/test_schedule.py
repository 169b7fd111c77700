"""The schedule in the app: generate the weekly lectures, shift them for a
holiday (after a confirmation that counts what moves), reorder, publish,
with each lecture's homework and survey dated by the course defaults."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from courses.models import Course, CourseRole
from quizzes.homework.models import Homework, HomeworkDefaults
from quizzes.surveys.models import Survey, SurveyCourseSettings

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def empty_course(db, course_admin) -> Course:
    course = Course.objects.create(slug="new", title="New course")
    CourseRole.objects.create(course=course, user=course_admin, role="admin")
    return course


def _generate(client, **data):
    form = {
        "first_date": "2027-04-05",  # a Monday
        "weekday": "3",
        "at": "19:00",
        "count": "15",
        "duration_minutes": "120",
    } | data
    return client.post("/staff/new/lectures/generate/", form)


def test_generating_makes_15_thursday_lectures_with_dated_homework_and_surveys(
    client, course_admin, empty_course
):
    HomeworkDefaults.objects.create(
        course=empty_course, due_days=6, due_time=time(23, 59)
    )
    client.force_login(course_admin)
    response = _generate(client)
    assert response.status_code == 302
    lectures = list(empty_course.lectures.order_by("number"))
    assert [lecture.number for lecture in lectures] == list(range(1, 16))
    first = lectures[0].starts_at.astimezone(TOKYO)
    assert (first.date(), first.time()) == (date(2027, 4, 8), time(19, 0))
    assert lectures[14].starts_at - lectures[0].starts_at == timedelta(weeks=14)
    assert not any(lecture.published for lecture in lectures)
    homework = Homework.objects.get(lecture=lectures[0])
    assert homework.due_at == datetime(2027, 4, 14, 23, 59, tzinfo=TOKYO)
    assert not homework.published
    survey = Survey.objects.get(lecture=lectures[0])
    assert survey.due_at == datetime(2027, 4, 15, 19, 0, tzinfo=TOKYO)
    page = client.get("/staff/new/lectures/").content.decode()
    assert "2027-04-14 (Wed) 23:59" in page
    assert "15 lectures were added" in page


def test_a_bad_generate_form_says_why_and_adds_nothing(
    client, course_admin, empty_course
):
    client.force_login(course_admin)
    response = _generate(client, count="500", first_date="not a date")
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert not empty_course.lectures.exists()


def test_shifting_asks_first_and_says_how_many_lectures_and_deadlines_move(
    client, course_admin, empty_course
):
    client.force_login(course_admin)
    _generate(client, count="5")
    before = {
        lecture.number: lecture.starts_at for lecture in empty_course.lectures.all()
    }
    due_before = Homework.objects.get(
        lecture__number=4, lecture__course=empty_course
    ).due_at
    data = {"from_number": "3", "days": "7"}
    response = client.post("/staff/new/lectures/shift/", data)
    page = response.content.decode()
    assert "This moves 3 lectures and 6 homework and survey deadlines" in page
    assert empty_course.lectures.get(number=3).starts_at == before[3]  # not yet
    client.post("/staff/new/lectures/shift/", data | {"confirm": "1"})
    after = {
        lecture.number: lecture.starts_at for lecture in empty_course.lectures.all()
    }
    assert after[2] == before[2]
    assert after[3] - before[3] == timedelta(days=7)
    assert after[5] - before[5] == timedelta(days=7)
    homework = Homework.objects.get(lecture__number=4, lecture__course=empty_course)
    assert homework.due_at - due_before == timedelta(days=7)
    assert homework.reveal_at >= homework.closes_at


def test_moving_a_lecture_swaps_places_and_its_deadlines_follow(
    client, course_admin, empty_course
):
    client.force_login(course_admin)
    _generate(client, count="3")
    empty_course.lectures.filter(number=2).update(title="Attention")
    first_start = empty_course.lectures.get(number=1).starts_at
    client.post("/staff/new/lectures/2/move/", {"direction": "up"})
    moved = empty_course.lectures.get(title="Attention")
    assert moved.number == 1
    assert moved.starts_at == first_start
    homework = Homework.objects.get(lecture=moved)
    assert homework.opens_at == first_start


def test_publishing_a_lecture_shows_it_on_the_course_page(
    client, course_admin, empty_course
):
    empty_course.state = Course.State.RUNNING
    empty_course.save()
    client.force_login(course_admin)
    _generate(client, count="2")
    client.post("/staff/new/lectures/1/publish/", {"published": "1"})
    assert empty_course.lectures.get(number=1).published
    assert not empty_course.lectures.get(number=2).published


def test_editing_a_lecture_moves_its_homework_with_it(
    client, course_admin, empty_course
):
    client.force_login(course_admin)
    _generate(client, count="1")
    homework = Homework.objects.get(lecture__course=empty_course)
    response = client.post(
        "/staff/new/lectures/1/",
        {
            "title": "Transformers",
            "starts_at": "2027-04-09T19:00",
            "duration_minutes": "90",
            "live_url": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    lecture = empty_course.lectures.get(number=1)
    assert lecture.title == "Transformers"
    assert lecture.starts_at == datetime(2027, 4, 9, 19, 0, tzinfo=TOKYO)
    assert lecture.duration == timedelta(minutes=90)
    homework.refresh_from_db()
    assert homework.opens_at == lecture.starts_at


def test_applying_the_defaults_again_redates_a_range_after_confirmation(
    client, course_admin, empty_course
):
    client.force_login(course_admin)
    _generate(client, count="3")
    SurveyCourseSettings.objects.create(course=empty_course, due_days=3)
    data = {"first": "2", "last": "3"}
    page = client.post("/staff/new/lectures/deadlines/", data).content.decode()
    assert "Up to 4 deadlines may change" in page
    client.post("/staff/new/lectures/deadlines/", data | {"confirm": "1"})
    for lecture in empty_course.lectures.all():
        survey = Survey.objects.get(lecture=lecture)
        days = 7 if lecture.number == 1 else 3
        assert survey.due_at == lecture.starts_at + timedelta(days=days)


def test_staff_see_the_schedule_but_only_admins_change_it(client, staff, course):
    client.force_login(staff)
    assert client.get("/staff/llm/lectures/").status_code == 200
    assert client.post("/staff/llm/lectures/1/publish/", {}).status_code == 403
    response = client.post(
        "/staff/llm/lectures/generate/",
        {
            "first_date": "2027-01-01",
            "weekday": "3",
            "at": "19:00",
            "count": "1",
            "duration_minutes": "60",
        },
    )
    assert response.status_code == 403
    assert course.lectures.count() == 3


def test_a_learner_cannot_reach_the_schedule(client, learner):
    client.force_login(learner)
    assert client.get("/staff/llm/lectures/").status_code == 403
