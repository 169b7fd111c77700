def test_staff_see_every_lecture_with_its_pages(client, course, staff):
    client.force_login(staff)

    response = client.get("/staff/llm/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    for lecture in course.lectures.all():
        assert lecture.title in page
    assert "/staff/llm/applications/" in page


def test_learners_cannot_open_the_staff_overview(client, course, learner):
    client.force_login(learner)

    assert client.get("/staff/llm/").status_code == 403


def test_the_overview_links_the_homework_and_survey_other_apps_register(
    client, course, staff
):
    """courses does not import homework or surveys: they add these columns
    through courses.hooks, and the links still appear."""
    from quizzes.homework.tests.factories import make_homework
    from quizzes.surveys.models import Survey

    homework = make_homework(course.lectures.get(number=1))
    Survey.objects.create(
        lecture=course.lectures.get(number=2),
        opens_at=homework.opens_at,
        due_at=homework.due_at,
    )
    client.force_login(staff)

    page = client.get("/staff/llm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/staff/llm/homework/1/"' in page
    assert 'href="/staff/llm/homework/2/"' not in page
    assert 'href="/staff/llm/surveys/2/"' in page
    assert 'href="/staff/llm/surveys/1/"' not in page


def test_a_draft_course_links_no_learner_page_that_would_404(client, course, staff):
    """Learner pages of a draft course answer 404 to everyone, so its staff
    pages offer no "Learner view" and no lecture links until it opens."""
    course.state = course.State.DRAFT
    course.save()
    client.force_login(staff)
    assert client.get("/courses/llm/").status_code == 404

    page = client.get("/staff/llm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Learner view" not in page
    assert 'href="/courses/llm/' not in page
    assert course.lectures.get(number=1).title in page

    course.state = course.State.OPEN
    course.save()
    page = client.get("/staff/llm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/courses/llm/">Learner view' in page
    assert 'href="/courses/llm/lectures/1/"' in page
