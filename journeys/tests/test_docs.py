"""The README sections show screenshots that exist and stay small."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_screenshot_the_readme_shows_is_a_small_png_in_docs():
    text = (ROOT / "README.md").read_text()
    shown = re.findall(r"\((docs/screenshots/[\w.-]+\.png)\)", text)
    assert len(shown) >= 4
    for name in shown:
        path = ROOT / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert path.stat().st_size < 300_000, name
