import pytest
from django.urls import reverse

from quizzes.homework.tests.factories import make_homework


@pytest.mark.django_db
def test_the_homework_pages_read_in_japanese(client, learner, staff, course):
    make_homework(course.lectures.get(number=1), late_days=2, late_cap="0.667")
    headers = {"accept-language": "ja"}
    client.force_login(learner)
    page = client.get(reverse("homework_take", args=["llm", 1]), headers=headers)
    text = page.content.decode()
    assert "第 1 問" in text and "提出" in text and "遅延提出" in text
    client.force_login(staff)
    page = client.get(reverse("homework_results", args=["llm", 1]), headers=headers)
    assert "項目分析" in page.content.decode()
