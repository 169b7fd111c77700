"""What an outsider learns from timing, and what guessing costs (issue 16,
items 10 and 12): signing up with a taken address costs the same password
hashing as a new one, and a failed login hashes once."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash computed (the tests' hasher is MD5; production's
    costs ~1 s, so a missing or extra hash is what timing shows)."""
    calls: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return calls


def _signup(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Someone",
            "category": "student",
        },
    )


def test_signing_up_with_a_taken_address_hashes_as_much_as_a_new_signup(client, hashes):
    make_user("taken@example.com")
    hashes.clear()

    new = _signup(client, "fresh@example.com")
    new_hashes = len(hashes)
    client.logout()
    hashes.clear()
    taken = _signup(client, "taken@example.com")

    assert new_hashes >= 1
    assert len(hashes) == new_hashes
    # And the page says the same: check your email.
    assert new.status_code == taken.status_code == 302
    assert new["Location"] == taken["Location"]
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert len(mail.outbox) == 2  # a verification, and "you already have one"


@pytest.mark.parametrize("email", ["known@example.com", "nobody@example.com"])
def test_a_failed_login_hashes_the_password_once(client, hashes, email):
    make_user("known@example.com")
    hashes.clear()

    response = client.post(
        reverse("account_login"), {"login": email, "password": "wrong-guess"}
    )

    assert response.status_code == 200  # the form again, with its error
    assert len(hashes) == 1


def _login(client, email, password, address):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=address,
    )


def test_failing_on_purpose_locks_the_account_only_for_the_failing_address(client):
    make_user("victim@example.com")
    for _ in range(5):  # allauth's limit: 5 failures in 5 minutes
        _login(client, "victim@example.com", "wrong-guess", "203.0.113.9")

    locked = _login(client, "victim@example.com", PASSWORD, "203.0.113.9")
    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session

    # The learner, from their own address, signs in as usual.
    other = _login(client, "victim@example.com", PASSWORD, "198.51.100.7")
    assert other.status_code == 302
    assert client.session["_auth_user_id"]
