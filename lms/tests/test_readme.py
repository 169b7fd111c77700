"""README's configuration table names every environment variable the
settings read, so an operator never has to read settings.py."""

import re
from pathlib import Path

from django.conf import settings

SETTINGS = Path(settings.BASE_DIR, "lms", "settings.py").read_text()
README = Path(settings.BASE_DIR, "README.md").read_text()


def test_every_environment_variable_is_in_the_readme_configuration_table():
    names = set(
        re.findall(r'env(?:bool|int|list)?\("([A-Z0-9_]+)"', SETTINGS)
        + re.findall(r'environ(?:\.get\(|\[)"([A-Z0-9_]+)"', SETTINGS)
    )
    assert names, "no environment variables found: did settings.py change shape?"
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert missing == []


def test_the_quick_start_is_exactly_the_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start
    assert "make test" in quick_start
