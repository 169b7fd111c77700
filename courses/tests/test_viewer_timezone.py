"""Course times are shown in the course's time zone, named, and also in the
viewer's own time zone when the browser reports a different one."""


def test_the_course_page_adds_the_viewers_own_time(client, course, learner):
    client.force_login(learner)
    client.cookies["koza_tz"] = "Europe/Berlin"

    page = client.get("/courses/llm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Asia/Tokyo" in page
    assert "Your time:" in page
    assert "(Europe/Berlin)" in page


def test_no_second_time_when_the_viewer_is_in_the_courses_zone(client, course, learner):
    client.force_login(learner)
    client.cookies["koza_tz"] = "Asia/Tokyo"

    page = client.get("/courses/llm/lectures/2/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Your time:" not in page.content.decode()


def test_a_made_up_time_zone_is_ignored(client, course, learner):
    client.force_login(learner)
    client.cookies["koza_tz"] = "Mars/Olympus_Mons"

    page = client.get("/courses/llm/lectures/2/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert "Your time:" not in page.content.decode()


def test_the_lecture_page_shows_the_viewers_time(client, course, learner):
    client.force_login(learner)
    client.cookies["koza_tz"] = "America/New_York"

    page = client.get("/courses/llm/lectures/2/", HTTP_ACCEPT_LANGUAGE="en")

    assert "(America/New_York)" in page.content.decode()
