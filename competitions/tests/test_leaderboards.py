import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions import selectors, services
from competitions.models import Entry, Participant
from competitions.tests.conftest import leaderboard_html
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def rivals(user_factory, course, competition):
    """Three learners who chose their nicknames (their display names are
    private: the board never shows them to learners)."""
    users = []
    for name in ["Aoi", "Ren", "Sora"]:
        user = user_factory(display_name=f"Real {name}")
        Enrollment.objects.create(user=user, course=course, status="approved")
        Participant.objects.create(competition=competition, user=user, nickname=name)
        users.append(user)
    return users


def scored(competition, user, public, private, *, minutes_ago=60, **extra):
    return Entry.objects.create(
        competition=competition,
        user=user,
        original_name="p.csv",
        status=Entry.Status.SCORED,
        public_score=public,
        private_score=private,
        submitted_at=timezone.now() - timedelta(minutes=minutes_ago),
        **extra,
    )


def test_the_public_leaderboard_ranks_best_scores_and_breaks_ties_by_time(
    competition, rivals
):
    aoi, ren, sora = rivals
    scored(competition, aoi, 0.8, 0.1, minutes_ago=30)
    scored(competition, aoi, 0.5, 0.9, minutes_ago=20)
    scored(competition, ren, 0.8, 0.2, minutes_ago=40)  # same score, earlier
    scored(competition, sora, 0.9, 0.3)

    rows = selectors.leaderboard(competition)

    assert [(r["rank"], r["name"], r["score"], r["submissions"]) for r in rows] == [
        (1, "Sora", 0.9, 1),
        (2, "Ren", 0.8, 1),
        (3, "Aoi", 0.8, 2),
    ]


def test_lower_is_better_for_error_metrics(competition, rivals):
    competition.metric = "rmse"
    competition.save()
    scored(competition, rivals[0], 2.0, 2.0)
    scored(competition, rivals[1], 1.0, 1.0)

    assert [r["name"] for r in selectors.leaderboard(competition)] == ["Ren", "Aoi"]


def test_the_leaderboard_is_cached_and_refreshed_when_a_score_arrives(
    competition, rivals, django_capture_on_commit_callbacks
):
    from competitions.tests.conftest import csv_upload, perfect_rows

    scored(competition, rivals[0], 0.5, 0.5)
    assert len(selectors.leaderboard(competition)) == 1
    scored(competition, rivals[1], 0.7, 0.7)  # written behind the cache's back
    assert len(selectors.leaderboard(competition)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.entry_submit(
            competition=competition, user=rivals[2], upload=csv_upload(perfect_rows())
        )

    assert [r["name"] for r in selectors.leaderboard(competition)] == [
        "Sora",
        "Ren",
        "Aoi",
    ]


def test_the_private_board_uses_selected_finals_or_else_the_best_public(
    competition, rivals
):
    aoi, ren, _sora = rivals
    scored(competition, aoi, 0.9, 0.2)
    scored(competition, aoi, 0.6, 0.95, selected_for_final=True)
    scored(competition, ren, 0.8, 0.7)
    scored(competition, ren, 0.1, 0.99)  # not selected, not best public: ignored

    rows = selectors.leaderboard(competition, private=True)

    assert [(r["name"], r["score"]) for r in rows] == [("Aoi", 0.95), ("Ren", 0.7)]


PRIVATE_SCORES = [0.1357911, 0.2468024]


def _learner_visible_pages(client, course, entry):
    urls = [
        reverse("competition", args=[course.slug]),
        reverse("competition_leaderboard", args=[course.slug]),
        reverse("course_detail", args=[course.slug]),
    ]
    responses = [client.get(url) for url in urls]
    responses.append(
        client.get(
            reverse("competition_entries", args=[course.slug]),
            headers={"HX-Request": "true"},
        )
    )
    return [r.content.decode() for r in responses]


def _leaks(pages):
    shown = set()
    for body in pages:
        for score in PRIVATE_SCORES:
            for digits in (2, 3, 4, 5, 6):
                # Escaped: an unescaped "." matched any character, so a
                # random CSRF token holding "0x25" counted as a leak.
                shown_as = re.escape(f"{score:.{digits}f}")
                if re.search(rf"(?<![\d.]){shown_as}(?!\d)", body):
                    shown.add(score)
    return shown


def test_private_scores_are_on_no_learner_page_until_staff_publish(
    client, course, competition, learner, rivals, staff
):
    own = scored(competition, learner, 0.55, PRIVATE_SCORES[0])
    scored(competition, rivals[0], 0.65, PRIVATE_SCORES[1])
    client.force_login(learner)

    assert _leaks(_learner_visible_pages(client, course, own)) == set()

    competition.closes_at = timezone.now() - timedelta(minutes=1)
    competition.save()
    assert _leaks(_learner_visible_pages(client, course, own)) == set()
    client.force_login(staff)
    client.post(reverse("staff_competition_publish", args=[course.slug]))
    client.force_login(learner)

    assert _leaks(_learner_visible_pages(client, course, own)) == set(PRIVATE_SCORES)


def test_staff_cannot_publish_before_the_close(client, course, competition, staff):
    client.force_login(staff)

    client.post(reverse("staff_competition_publish", args=[course.slug]))

    competition.refresh_from_db()
    assert not competition.private_published


def test_the_full_leaderboard_page_shows_rank_name_score_count_and_time(
    client, course, competition, learner, rivals
):
    scored(competition, rivals[2], 0.75, 0.1)
    client.force_login(learner)

    table = leaderboard_html(
        client.get(reverse("competition_leaderboard", args=[course.slug]))
    )

    assert "Sora" in table
    assert "0.75000" in table
    assert rivals[2].email not in table


def test_learners_with_a_scored_entry_are_known_for_completion(
    course, competition, rivals
):
    scored(competition, rivals[0], 0.5, 0.5)
    Entry.objects.create(
        competition=competition,
        user=rivals[1],
        original_name="bad.csv",
        status=Entry.Status.REJECTED,
    )

    assert selectors.users_with_scored_entry(course) == {rivals[0].pk}


def test_a_learner_sees_their_own_rank_even_outside_the_top_twenty(
    client, course, competition, learner, user_factory
):
    for n in range(21):
        user = user_factory()
        scored(competition, user, 0.9 - n / 100, 0.5)
    scored(competition, learner, 0.1, 0.5)
    client.force_login(learner)

    body = client.get(reverse("competition", args=[course.slug])).content.decode()

    assert "Your rank: 22 of 22 (public score 0.10000)." in body
