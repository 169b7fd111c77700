import pytest


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (email tasks, cache invalidation) as a
    real commit would: `with committed(): notify(...)`."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
