"""Sessions end after two weeks away (SESSION_IDLE_TIMEOUT) as well as after
their absolute age (SESSION_COOKIE_AGE), and cost no write per page."""

import time

import pytest
from django.urls import reverse

from conftest import PASSWORD
from lms.middleware import SessionTimeoutMiddleware

pytestmark = pytest.mark.django_db

DAY = 24 * 60 * 60


def _sign_in(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def _age(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[getattr(SessionTimeoutMiddleware, key)] = now - ago
    session.save()


def _signed_in(client) -> bool:
    return client.get(reverse("profile")).status_code == 200


def test_a_session_left_alone_for_two_weeks_is_signed_out(client, learner, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 14 * DAY
    _sign_in(client, learner)
    _age(client, SEEN=15 * DAY)

    assert not _signed_in(client)


def test_a_session_in_use_lives_until_its_absolute_age(client, learner, settings):
    _sign_in(client, learner)
    _age(client, SEEN=13 * DAY, SIGNED_IN=30 * DAY)
    assert _signed_in(client)

    _age(client, SEEN=DAY, SIGNED_IN=settings.SESSION_COOKIE_AGE + 1)
    assert not _signed_in(client)


def test_pages_do_not_write_the_session_on_every_view(client, learner):
    _sign_in(client, learner)
    assert _signed_in(client)
    seen = client.session[SessionTimeoutMiddleware.SEEN]

    _age(client, SEEN=60)
    assert _signed_in(client)
    assert client.session[SessionTimeoutMiddleware.SEEN] < seen  # not rewritten

    _age(client, SEEN=2 * DAY)
    assert _signed_in(client)
    assert client.session[SessionTimeoutMiddleware.SEEN] >= seen  # refreshed
