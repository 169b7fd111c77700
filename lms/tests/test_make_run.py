"""`make run PORT=8001` serves on that port and its links follow it."""

import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make_run_commands(tmp_path, *args: str, env: dict | None = None) -> list[str]:
    """What `make run` would execute (a dry run, with the install step
    already done)."""
    stamp = tmp_path / "installed"
    stamp.touch()
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", f"STAMP={stamp}", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )
    return result.stdout.splitlines()


def test_make_run_serves_port_8000_with_matching_links_by_default(tmp_path):
    commands = _make_run_commands(tmp_path)

    serve = commands[-1]
    assert serve.endswith("runserver 127.0.0.1:8000")
    assert "SITE_URL='http://127.0.0.1:8000'" in serve


def test_make_run_port_8001_binds_8001_and_every_step_links_to_it(tmp_path):
    commands = _make_run_commands(tmp_path, "PORT=8001")

    assert commands[-1].endswith("runserver 127.0.0.1:8001")
    django_steps = [c for c in commands if "manage.py" in c]
    assert len(django_steps) == 3  # migrate, seed_demo, runserver
    assert all("SITE_URL='http://127.0.0.1:8001'" in c for c in django_steps)
    assert any("http://127.0.0.1:8001" in c for c in commands if "echo" in c)


def test_a_site_url_from_the_environment_still_wins(tmp_path):
    commands = _make_run_commands(
        tmp_path, "PORT=8001", env={"SITE_URL": "https://koza.example.org"}
    )

    assert "SITE_URL='https://koza.example.org'" in commands[-1]
    assert commands[-1].endswith("runserver 127.0.0.1:8001")
