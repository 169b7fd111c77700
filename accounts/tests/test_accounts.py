import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD


def _signup(client, email="new@example.com", **extra):
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "山田 花子",
        "affiliation": "東京大学",
        "category": "student",
    } | extra
    return client.post(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE="ja")


def _confirmation_link(message) -> str:
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", message.body)[0]


def test_signup_saves_the_profile_and_sends_a_verification_email(client, db):
    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.display_name == "山田 花子"
    assert user.affiliation == "東京大学"
    assert user.category == "student"
    assert user.language == "ja"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_the_verification_email_is_in_the_users_language(client, db):
    _signup(client)

    assert "メールアドレス" in mail.outbox[0].subject + mail.outbox[0].body


def test_an_unverified_user_cannot_log_in(client, db):
    _signup(client)
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_confirming_the_email_logs_the_user_in(client, db):
    _signup(client)
    link = _confirmation_link(mail.outbox[0])
    path = link.split("://", 1)[1].split("/", 1)[1]

    response = client.post("/" + path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get("/").context["user"].email == "new@example.com"


def test_signup_requires_a_display_name_and_says_so(client, db):
    response = _signup(client, display_name="")

    assert response.status_code == 200
    assert "このフィールドは必須です" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_signing_up_twice_with_one_email_makes_no_second_account(client, db):
    _signup(client)
    client.logout()

    _signup(client)

    # allauth does not reveal which addresses exist, and makes no duplicate
    assert User.objects.filter(email="new@example.com").count() == 1


def test_a_verified_user_logs_in_with_email_and_password(client, learner):
    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_password_reset_sends_a_link(client, learner):
    client.post(reverse("account_reset_password"), {"email": learner.email})

    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.parametrize(
    "url_name",
    ["account_email", "account_change_password", "mfa_index", "profile"],
)
def test_account_pages_render_in_our_layout(client, learner, url_name):
    client.force_login(learner)

    response = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "Two-factor authentication" in page


def test_totp_setup_is_offered_to_every_user(client, learner):
    client.force_login(learner)

    response = client.get(reverse("mfa_activate_totp"))

    # allauth asks for the password again before showing the secret
    assert response.status_code in {200, 302}


def test_the_profile_form_saves_the_language_and_switches_to_it(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("profile"),
        {
            "display_name": "Hanako",
            "affiliation": "Kyoto",
            "category": "working",
            "language": "en",
        },
        follow=True,
    )

    learner.refresh_from_db()
    assert learner.display_name == "Hanako"
    assert learner.category == "working"
    assert "Your profile was saved." in response.content.decode()


def test_login_is_rate_limited_after_repeated_failures(client, learner):
    for _ in range(6):
        client.post(
            reverse("account_login"),
            {"login": learner.email, "password": "wrong-password"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    # even the right password is refused while the limit holds
    response = client.post(
        reverse("account_login"),
        {"login": learner.email, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_the_admin_login_goes_through_allauth(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_admin_login_form_cannot_be_used_to_brute_force(client, learner):
    response = client.post(
        "/admin/login/", {"username": learner.email, "password": PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert response.status_code == 302


def test_social_login_is_off_by_default(client, db):
    page = client.get(reverse("account_login")).content.decode()

    assert "google" not in page.lower()


def test_emails_are_the_only_login_and_there_are_no_usernames(db):
    user = User.objects.create_user(email="Someone@Example.COM", password=PASSWORD)

    assert user.email == "Someone@example.com"
    assert not hasattr(user, "username") or user.username is None
    assert user.name == "Someone"
