"""Worst-case Markdown: hostile texts a learner may submit, at the limit.

A learner's summary is rendered by the live preview (`lms.markdown`), at most
`PREVIEW_MAX_CHARS` (2,000) characters of it. Each text of
`bench/markdown_corpus.py` is rendered at that size (best of 5) and at eight
times it, to show the cost grows linearly. Target (DESIGN, issue 16): the
worst text renders in tens of milliseconds (< 100 ms). Floors, timed in the
same run: a plain paragraph of the same length through the same renderer,
and nh3 cleaning the hostile text alone.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

import nh3

from bench.markdown_corpus import HOSTILE, plain_paragraph
from lms import markdown
from quizzes.surveys.views import PREVIEW_MAX_CHARS

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
REPEATS = 2 if SMOKE else 5


def best_ms(function, text: str) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    size = PREVIEW_MAX_CHARS
    markdown._render("warm up")
    floor = best_ms(markdown._render, plain_paragraph(size))
    rows = []
    for name, make in HOSTILE.items():
        text, large = make(size), make(size * 8)
        ms = best_ms(markdown._render, text)
        rows.append(
            {
                "text": name,
                "ms": round(ms, 2),
                "ms_8x": round(best_ms(markdown._render, large), 2),
                "nh3_ms": round(best_ms(nh3.clean, text), 3),
            }
        )
    rows.sort(key=lambda row: row["ms"], reverse=True)
    worst = rows[0]
    growth = max(row["ms_8x"] / max(row["ms"], 0.01) for row in rows)
    figures = [
        {
            "figure": f"Markdown worst case, {size} characters ({worst['text']})",
            "value": worst["ms"],
            "unit": "ms",
            "floor": round(floor, 3),
            "ratio": round(worst["ms"] / floor, 1),
            "target": "< 100 ms (tens of ms)",
            "met": worst["ms"] < 100,
        },
        {
            "figure": f"Markdown: nh3 alone on that text, {size} characters",
            "value": worst["nh3_ms"],
            "unit": "ms",
            "floor": None,
            "ratio": None,
            "target": None,
            "met": None,
        },
        {
            "figure": "Markdown: largest growth over the corpus, 8x the text",
            "value": round(growth, 1),
            "unit": "x",
            "floor": 8,
            "ratio": round(growth / 8, 2),
            "target": "< 24x (linear; quadratic would be 64x)",
            "met": growth < 24,
        },
    ]
    print(
        json.dumps(
            {
                "benchmark": "markdown",
                "figures": figures,
                "size": size,
                "plain_paragraph_ms": round(floor, 3),
                "texts": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
