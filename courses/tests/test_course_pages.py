def test_the_course_page_renders_its_markdown_description(client, course):
    page = client.get(course.get_absolute_url()).content.decode()

    assert "<strong>open</strong>" in page


def test_a_draft_course_is_not_found(client, course):
    course.state = course.State.DRAFT
    course.save()

    assert client.get(course.get_absolute_url()).status_code == 404


def test_lecture_content_is_for_approved_learners_with_a_clear_page(
    client, course, applicant
):
    client.force_login(applicant)

    response = client.get("/courses/llm/lectures/1/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert "for approved learners" in response.content.decode()


def test_an_approved_learner_sees_the_lecture(client, course, learner):
    client.force_login(learner)

    response = client.get("/courses/llm/lectures/1/")

    assert response.status_code == 200
    assert "Lecture 1" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, course):
    response = client.get("/courses/llm/lectures/1/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
