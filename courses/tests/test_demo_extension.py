from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from courses.models import Extension


def test_the_demo_has_a_learner_whose_extension_reopens_a_closed_homework(
    client, db, settings
):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one extension

    extension = Extension.objects.get(user__email="extended@example.com")
    assert extension.is_active and extension.lecture.number == 6
    homework = extension.lecture.homework
    assert homework.state_at(timezone.now()) == "closed"
    assert homework.state_at(timezone.now(), user_id=extension.user_id) == "open"
    assert extension.extra_time == timedelta(days=14)
    assert client.login(email="extended@example.com", password="koza-demo")
    page = client.get(
        "/courses/llm-demo/lectures/6/homework/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Extended for you" in page.text
