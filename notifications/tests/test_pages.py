from django.urls import reverse

from notifications.models import Channel, EmailPreference, Kind, Notification
from notifications.services import notify, unread_count


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_the_bell_shows_the_unread_count_and_the_list_links_the_thing(
    client, learner, committed
):
    notify(
        [learner.pk],
        Kind.ANNOUNCEMENT,
        url="/courses/llm/",
        params={"course": "LLM", "title": "Week 3 is live"},
    )
    page = _signed_in(client, learner).get(reverse("notifications"))
    assert "1 unread" in page.text
    assert "New announcement in LLM: Week 3 is live" in page.text
    notification = Notification.objects.get()
    with committed():
        response = client.post(
            reverse("notification_read", args=[notification.pk]), {"open": "1"}
        )
    assert response.url == "/courses/llm/"
    assert "unread" not in client.get(reverse("notifications")).text.split("<main")[0]


def test_the_unread_count_is_cached_and_forgotten_on_change(
    learner, django_assert_num_queries, committed
):
    notify([learner.pk], Kind.ANNOUNCEMENT)
    with django_assert_num_queries(1):
        assert unread_count(user_id=learner.pk) == 1
    with django_assert_num_queries(0):
        assert unread_count(user_id=learner.pk) == 1
    with committed():
        notify([learner.pk], Kind.ENTRY_SCORED)
    assert unread_count(user_id=learner.pk) == 2


def test_mark_all_read_says_how_many(client, learner, committed):
    notify([learner.pk], Kind.ANNOUNCEMENT)
    notify([learner.pk], Kind.ENTRY_SCORED)
    with committed():
        response = _signed_in(client, learner).post(
            reverse("notifications_read_all"), follow=True
        )
    assert "2 notifications marked read." in response.text
    assert unread_count(user_id=learner.pk) == 0


def test_a_learner_cannot_read_or_open_another_learners_notification(
    client, learner, other_learner
):
    notify([other_learner.pk], Kind.ANNOUNCEMENT, url="/courses/other/")
    theirs = Notification.objects.get()
    response = _signed_in(client, learner).post(
        reverse("notification_read", args=[theirs.pk]), {"open": "1"}, follow=True
    )
    assert "not found" in response.text
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "/courses/other/" not in client.get(reverse("notifications")).text


def test_the_open_button_never_leaves_the_site(client, learner):
    notify([learner.pk], Kind.ANNOUNCEMENT, url="https://evil.example/")
    notification = Notification.objects.get()
    response = _signed_in(client, learner).post(
        reverse("notification_read", args=[notification.pk]), {"open": "1"}
    )
    assert response.url == reverse("notifications")


def test_the_list_is_paginated_with_an_empty_state(client, learner):
    page = _signed_in(client, learner).get(reverse("notifications"))
    assert "No notifications yet" in page.text
    for n in range(30):
        notify([learner.pk], Kind.ANNOUNCEMENT, dedupe_key=f"a{n}")
    page = client.get(reverse("notifications"))
    assert "Page 1 of 2" in page.text
    assert page.text.count('class="notification unread"') == 25


def test_preferences_are_saved_per_kind(client, learner):
    _signed_in(client, learner)
    page = client.get(reverse("notification_preferences"))
    assert page.status_code == 200
    data = dict.fromkeys(Kind.values, Channel.IMMEDIATE)
    data[Kind.ANNOUNCEMENT] = Channel.DIGEST
    client.post(reverse("notification_preferences"), data)
    assert (
        EmailPreference.objects.get(user=learner, kind=Kind.ANNOUNCEMENT).channel
        == Channel.DIGEST
    )


def test_a_bad_preference_changes_nothing(client, learner):
    _signed_in(client, learner)
    data = dict.fromkeys(Kind.values, Channel.IMMEDIATE)
    data[Kind.ANNOUNCEMENT] = "hourly\x00"
    response = client.post(reverse("notification_preferences"), data)
    assert response.status_code in (200, 400)
    assert not EmailPreference.objects.exists()
