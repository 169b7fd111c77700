"""The production shape: Django's deployment checks pass with the production
environment, and real responses carry the security headers and cookie flags
that the settings promise. Login guessing is slowed on both login pages."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-9f8e7d6c5b4a",
    "SITE_URL": "https://koza.example.org",
    "ALLOWED_HOSTS": "koza.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://koza.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "ADMINS": "ops@example.org",
}


def test_the_deployment_checks_pass_with_the_production_environment(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST"))
    }
    env |= PRODUCTION_ENV | {"SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    env.pop("DEBUG", None)
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.fixture
def production(settings):
    """DEBUG off, HTTPS behind the proxy, as `lms/settings.py` sets them."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["koza.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    return Client(
        HTTP_HOST="koza.example.org",
        HTTP_X_FORWARDED_PROTO="https",
        headers={"Accept-Language": "en"},
    )


def test_plain_http_is_redirected_to_https(production, settings):
    response = Client(HTTP_HOST="koza.example.org").get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://koza.example.org/"


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/courses/llm/"])
def test_pages_carry_the_security_headers(production, course, path):
    response = production.get(path)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    directives = {
        part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()
    }
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    nonce = re.search(r"'nonce-([^']+)'", " ".join(directives["script-src"]))
    assert nonce, csp
    # Every inline script of the page carries this response's nonce.
    body = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", body):
        if "src=" not in tag and "application/json" not in tag:
            assert f'nonce="{nonce.group(1)}"' in tag, tag


def test_the_nonce_changes_on_every_response(production, db):
    first = production.get("/")["Content-Security-Policy"]
    second = production.get("/")["Content-Security-Policy"]
    nonce = re.compile(r"'nonce-([^']+)'")
    assert nonce.search(first).group(1) != nonce.search(second).group(1)


def test_session_and_csrf_cookies_are_secure_and_httponly(production, learner):
    page = production.get("/accounts/login/")
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"
    response = production.post(
        "/accounts/login/",
        {"login": learner.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert response.cookies[settings.CSRF_COOKIE_NAME]["httponly"]


def test_password_guessing_is_rate_limited_on_the_login_page(client, learner):
    for i in range(6):
        response = client.post(
            "/accounts/login/", {"login": learner.email, "password": f"guess-{i}"}
        )
        assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    # While the limit holds even the right password is refused.
    response = client.post(
        "/accounts/login/", {"login": learner.email, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_cannot_be_used_to_get_around_the_limit(client, user_factory):
    """The admin's own form is replaced by the rate-limited site login: a post
    to it signs nobody in, even with the right password."""
    operator = user_factory(is_staff=True, is_superuser=True)
    for i in range(6):
        client.post(
            "/accounts/login/", {"login": operator.email, "password": f"guess-{i}"}
        )
    response = client.post(
        "/admin/login/", {"username": operator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"login": operator.email, "password": PASSWORD},
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
