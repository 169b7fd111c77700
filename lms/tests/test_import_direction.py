"""Imports between apps run one way: lms ← notifications ← accounts ←
courses ← {archives, homework, surveys, competitions} ← completion. An app
may import its own layer's modules and the layers left of it, never one to
its right nor a sibling; a lower app that needs a higher one's part offers a
hook (e.g. courses.selectors.register_deadline_provider, courses.hooks) that
the higher app fills in its AppConfig.ready.

Tests, migrations and the demo app (the seed commands fill every app) are
exempt."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = {
    "lms": 0,
    # used by every app; uses only the project's shared helpers (lms)
    "notifications": 0.5,
    "accounts": 1,
    "courses": 2,
    "archives": 3,
    "quizzes": 3,
    "quizzes.homework": 3,
    "quizzes.surveys": 3,
    "competitions": 3,
    # reads the homework reveal and the competition close for its spoiler guard
    "discussions": 3.5,
    "completion": 4,
}
EXEMPT_DIRS = {"tests", "migrations"}


def _app_of(dotted: str) -> str | None:
    """The app a dotted module name belongs to (the longest known prefix)."""
    parts = dotted.split(".")
    for size in range(len(parts), 0, -1):
        name = ".".join(parts[:size])
        if name in LAYERS:
            return name
    return None


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            # `from quizzes import homework` imports the app quizzes.homework
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _violations() -> list[str]:
    base = Path(settings.BASE_DIR)
    found = []
    for top in {name.split(".")[0] for name in LAYERS}:
        for path in sorted((base / top).rglob("*.py")):
            relative = path.relative_to(base)
            if EXEMPT_DIRS & set(relative.parts):
                continue
            module = ".".join(relative.with_suffix("").parts)
            app = _app_of(module)
            reported = set()
            for lineno, imported in _imports(path):
                target = _app_of(imported)
                if target is None or target == app or (lineno, target) in reported:
                    continue
                if target.startswith(f"{app}."):  # quizzes holds its two apps
                    continue
                if LAYERS[target] >= LAYERS[app]:
                    reported.add((lineno, target))
                    found.append(f"{relative}:{lineno} ({app}) imports {imported}")
    return found


def test_imports_between_apps_run_one_way():
    assert _violations() == []


def test_the_check_sees_a_wrong_way_import(tmp_path, settings):
    """The check itself works: courses importing homework is reported."""
    (tmp_path / "courses").mkdir()
    (tmp_path / "courses" / "bad.py").write_text(
        "from quizzes.homework.models import Homework\nimport lms.csv\n"
    )
    settings.BASE_DIR = tmp_path
    assert _violations() == [
        "courses/bad.py:1 (courses) imports quizzes.homework.models"
    ]
