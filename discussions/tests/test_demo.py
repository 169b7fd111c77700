import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from discussions.models import Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    return Question.objects.filter(course__slug="llm-demo")


def test_the_demo_holds_a_few_dozen_questions_of_every_kind(demo):
    questions = demo
    assert questions.count() >= 30
    assert questions.filter(anonymous=True).count() >= 3
    assert questions.filter(has_endorsed=True).count() >= 5
    assert questions.filter(solved_answer__isnull=False).count() >= 5
    assert questions.filter(pinned=True).exists()
    assert questions.filter(attachments__isnull=False).exists()
    assert questions.filter(title__regex=r"[\u3040-\u30ff]").count() >= 4
    guarded = [q for q in questions if q.spoiler_guarded(timezone.now())]
    assert len(guarded) >= 4
    call_command("seed_demo")
    assert Question.objects.count() == questions.count()


def test_the_demo_learner_sees_the_guard_at_work(client, demo):
    learner = User.objects.get(email="learner@example.com")
    client.force_login(learner)
    url = reverse("question_list", args=["llm-demo"])
    body = client.get(url, {"sort": "new"}).content.decode()
    assert "Is question 3 about the temperature or top-p?" in body  # their own
    assert "Typo in question 1?" in body  # made public by staff
    assert "I think the answer to question 2 is (b)" not in body
    own = demo.get(author=learner, title__startswith="Is question 3")
    page = client.get(own.get_absolute_url()).content.decode()
    assert 'id="spoiler-notice"' in page

    client.force_login(User.objects.get(email="staff@example.com"))
    body = client.get(url, {"sort": "new"}).content.decode()
    assert "I think the answer to question 2 is (b)" in body
