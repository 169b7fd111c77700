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
