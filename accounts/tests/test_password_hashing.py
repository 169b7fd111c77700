"""Logins cost milliseconds, not most of a second (issue 23, item 4): new
passwords are hashed with Argon2id at OWASP's parameters, and a learner whose
password was hashed with PBKDF2 (Django's default, every account before this
change) is moved to Argon2id when they next sign in."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD, make_user
from lms import settings as project_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_hashers(settings):
    # The suite hashes with MD5 for speed (conftest); these tests need the real list.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_a_new_password_is_hashed_with_argon2id_at_owasp_parameters(production_hashers):
    encoded = make_password("correct horse battery staple")

    # argon2id, version 19, 19 MiB of memory, 2 passes, 1 lane.
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_password_still_signs_in_and_is_rehashed_with_argon2id(
    client, production_hashers
):
    user = make_user("veteran@example.com")
    User.objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )

    response = client.post(
        reverse("account_login"), {"login": "veteran@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert "argon2id$v=19$m=19456,t=2,p=1$" in user.password
    # And the new hash signs in too.
    client.logout()
    again = client.post(
        reverse("account_login"), {"login": "veteran@example.com", "password": PASSWORD}
    )
    assert again.status_code == 302


def test_a_wrong_password_leaves_the_old_hash_alone(client, production_hashers):
    user = make_user("veteran@example.com")
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old)

    client.post(
        reverse("account_login"), {"login": "veteran@example.com", "password": "nope"}
    )

    user.refresh_from_db()
    assert user.password == old
