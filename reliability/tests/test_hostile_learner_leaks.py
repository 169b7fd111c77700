"""The hostile learner: nothing before its time (issue 16, items 3–6, 11).

Each test replays what a curious learner did and checks that the page no
longer tells them what it must not: private competition scores, homework
scores before the answers are revealed, the answer key through choice ids,
other learners' names."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from competitions import selectors
from competitions.models import Entry, Participant
from competitions.tests.conftest import make_competition
from completion.models import CompletionRule, CompletionTier
from quizzes.homework.models import Submission
from quizzes.homework.services import homework_grade_all
from quizzes.homework.tests.factories import answers_for, make_homework, post_data

pytestmark = pytest.mark.django_db

Kind = CompletionRule.Kind


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _progress(client, course):
    response = client.get(reverse("progress", args=[course.slug]))
    assert response.status_code == 200
    return response


# 3. The private leaderboard ------------------------------------------------


@pytest.fixture
def ranked(course, learner, user_factory):
    """An open competition where `learner` is last on the public board and
    first on the private one, behind a "top 50 %" completion rule."""
    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    CompletionRule.objects.create(
        tier=tier, kind=Kind.COMPETITION_TOP_PERCENT, threshold=50
    )
    competition = make_competition(course)
    rival = user_factory()
    entries = {}
    for user, public, private in [(rival, 0.9, 0.1), (learner, 0.2, 0.8)]:
        Participant.objects.create(competition=competition, user=user)
        entries[user] = Entry.objects.create(
            competition=competition,
            user=user,
            file="x.csv",
            original_name="x.csv",
            status=Entry.Status.SCORED,
            public_score=public,
            private_score=private,
        )
    return competition, entries[learner]


def test_the_progress_page_ranks_by_the_public_board_until_the_final_one_is_out(
    client, course, learner, ranked
):
    competition, entry = ranked
    client.force_login(learner)

    before = _progress(client, course)
    # The attack: select a submission for the final, read the page again.
    client.post(
        reverse("competition_select", args=[course.slug, entry.pk]), {"selected": "1"}
    )
    entry.refresh_from_db()
    assert entry.selected_for_final
    after = _progress(client, course)

    for page in (before, after):
        assert page.context["metrics"].competition_top_percent == 100.0
        assert "✘ Missing" in page.text
    competition.private_published_at = timezone.now()
    competition.save()
    published = _progress(client, course)
    assert published.context["metrics"].competition_top_percent == 50.0
    assert "✔ Met" in published.text


# 4 and 6. Homework scores before the reveal ---------------------------------


@pytest.fixture
def submitted(client, course, learner):
    """An open homework `learner` has just submitted with 2 of 5 right."""
    homework = make_homework(course.lectures.get(number=1))
    client.force_login(learner)
    response = client.post(
        homework.get_absolute_url(), post_data(answers_for(homework, correct=2))
    )
    assert response.status_code in (200, 302)
    assert Submission.objects.filter(homework=homework, user=learner).exists()
    return homework


def _week_one_cell(page) -> str:
    return page.text.split("<tbody>", 1)[1].split("</tr>", 1)[0]


def test_a_submitted_homework_shows_as_submitted_before_it_is_graded(
    client, course, submitted
):
    cell = _week_one_cell(_progress(client, course))

    assert "Submitted" in cell
    assert "not submitted" not in cell


def test_staff_grading_an_open_homework_early_shows_learners_no_score(
    client, course, learner, tiers_on_points, submitted
):
    homework_grade_all(homework_id=submitted.pk)
    assert Submission.objects.get(homework=submitted).score == 2

    page = _progress(client, course)
    cell = _week_one_cell(page)
    assert "Submitted" in cell
    assert "2 / pass mark" not in cell
    assert page.context["metrics"].homework_points == 0
    assert page.context["metrics"].homework_weeks_passed == 0
    take = client.get(submitted.get_absolute_url())
    assert "Your score" not in take.text
    assert take.context.get("score") is None

    # Time passes: the homework closes and its answers are revealed.
    now = timezone.now()
    type(submitted).objects.filter(pk=submitted.pk).update(
        opens_at=now - timedelta(days=9),
        due_at=now - timedelta(days=2),
        reveal_at=now - timedelta(days=1),
    )
    revealed = _progress(client, course)
    assert "2 / pass mark 3" in _week_one_cell(revealed)
    assert revealed.context["metrics"].homework_points == 2


@pytest.fixture
def tiers_on_points(course):
    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    CompletionRule.objects.create(tier=tier, kind=Kind.HOMEWORK_POINTS, threshold=1)
    return tier


def test_staff_are_warned_that_early_grades_stay_hidden_until_the_reveal(
    client, course, staff
):
    homework = make_homework(course.lectures.get(number=1))
    client.force_login(staff)

    page = client.get(reverse("homework_results", args=[course.slug, 1]))

    assert "Learners see their score and pass/fail from" in page.text
    assert homework.reveal_at


# 11. Names on the leaderboard ----------------------------------------------


def test_learners_see_each_other_under_nicknames_or_pseudonyms_never_names(
    client, course, learner, staff, user_factory
):
    from courses.models import Enrollment

    competition = make_competition(course)
    named = user_factory(display_name="Hanako Realname")
    nicknamed = user_factory(display_name="Taro Realname")
    for user, nickname, score in [(named, "", 0.9), (nicknamed, "tanuki", 0.8)]:
        Enrollment.objects.create(user=user, course=course, status="approved")
        Participant.objects.create(
            competition=competition, user=user, nickname=nickname
        )
        Entry.objects.create(
            competition=competition,
            user=user,
            file="x.csv",
            original_name="x.csv",
            status=Entry.Status.SCORED,
            public_score=score,
            private_score=score,
        )
    code = selectors.pseudonym(competition.pk, named.pk)
    client.force_login(learner)

    for url in ("competition", "competition_leaderboard"):
        page = client.get(reverse(url, args=[course.slug])).text
        assert "Realname" not in page
        assert "tanuki" in page
        assert f"Participant {code}" in page
    assert code == selectors.pseudonym(competition.pk, named.pk)  # stable
    assert str(named.pk) not in code

    client.force_login(staff)
    board = client.get(reverse("competition_leaderboard", args=[course.slug])).text
    assert "Hanako Realname" in board and "Taro Realname" in board


# 5. Choice ids and the shuffle ---------------------------------------------


def test_choice_ids_and_the_order_shown_say_nothing_about_the_right_answer(
    course, learner
):
    """GIFT authors write the right answer first. Before, its choice was the
    lowest id of every question and the shuffle's seed was public, so the
    learner's browser could tell the right answer from the form alone."""
    import random

    from quizzes.homework.gift import homework_import_questions, parse_questions
    from quizzes.homework.selectors import homework_learner_view

    gift = "".join(
        f"::Q{n}::Question {n}? {{\n=right {n}\n~wrong a\n~wrong b\n~wrong c\n}}\n\n"
        for n in range(40)
    )
    parsed = parse_questions(gift, "gift")
    assert parsed.ok, parsed.errors
    homework = homework_import_questions(
        lecture=course.lectures.get(number=1), parsed=parsed
    )

    ranks = set()
    for question in homework.questions.prefetch_related("choices"):
        by_id = sorted(question.choices.all(), key=lambda choice: choice.pk)
        ranks.add(next(i for i, c in enumerate(by_id) if c.is_correct))
    assert len(ranks) > 1  # the right answer is not always the lowest id

    view = homework_learner_view(homework=homework, user=learner, now=timezone.now())
    replayed = 0
    for question in view["questions"]:
        authored = list(
            homework.questions.get(pk=question["id"])
            .choices.order_by("position", "id")
            .values_list("id", flat=True)
        )
        random.Random(f"{learner.pk}:{homework.pk}:{question['id']}").shuffle(authored)
        replayed += authored == [choice["id"] for choice in question["choices"]]
    assert replayed < len(view["questions"])  # the public seed no longer replays
