"""The signed-in user comes from the cache, and every change to the account
still shows at the next request."""

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def user_queries(client, url="/") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return sum('FROM "accounts_user"' in q["sql"] for q in queries)


def test_after_the_first_page_the_user_is_not_queried_again(client, learner):
    client.force_login(learner)
    assert user_queries(client) == 1
    assert user_queries(client) == 0
    assert user_queries(client, "/courses/llm/") == 0


def test_a_password_changed_elsewhere_signs_this_session_out(client, learner):
    client.force_login(learner)
    client.get("/")  # cached
    learner.set_password("a-new-password-for-koza")
    learner.save()
    response = client.get("/courses/llm/lectures/1/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_deactivated_account_is_signed_out_at_the_next_request(client, learner):
    client.force_login(learner)
    client.get("/")
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    response = client.get("/courses/llm/lectures/1/")
    assert response.status_code == 302


def test_a_new_name_shows_at_once(client, learner):
    client.force_login(learner)
    client.get("/")
    learner.display_name = "Hanako Renamed"
    learner.save()
    assert "Hanako Renamed" in client.get("/").content.decode()


def test_the_language_switch_is_remembered_for_the_next_visit(client, learner):
    client.force_login(learner)
    client.get("/")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert User.objects.get(pk=learner.pk).language == "en"
    client.cookies.pop("django_language", None)  # a new browser, same account
    page = client.get("/").content.decode()
    assert 'lang="en"' in page


def test_pages_work_when_the_cache_is_down(client, learner, monkeypatch):
    """A cache server that refuses connections costs a query, not a page."""
    dead = RedisCache("redis://127.0.0.1:1/0", {})
    monkeypatch.setattr("lms.auth.cache", dead)
    client.force_login(learner)
    assert user_queries(client) == 1
    assert user_queries(client) == 1  # nothing could be cached
    learner.save()  # dropping it from a dead cache is not an error either


def test_a_login_with_the_password_still_works(client, learner):
    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert user_queries(client) == 1
    assert user_queries(client) == 0
    assert learner.display_name in client.get("/").content.decode()
