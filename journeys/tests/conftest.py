import shutil

import pytest

from lms.tests.browser import browser  # noqa: F401  (the shared Chromium fixture)
from quizzes.surveys.tests.conftest import survey  # noqa: F401  (this week's survey)


@pytest.fixture(autouse=True)
def _journey_settings(settings, tmp_path):
    """Media and private files under the test's own folder; plain-HTTP cookies
    for the live server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARCHIVE_UPLOAD_DIR = tmp_path / "media" / "tus"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ACCEL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def needs_ffmpeg():
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")


@pytest.fixture
def superuser(user_factory):
    """The site operator, who sets up courses in the Django admin."""
    return user_factory(is_staff=True, is_superuser=True, display_name="管理者")
