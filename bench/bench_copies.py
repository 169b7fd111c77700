"""Copy-detection benchmark: 4,000 and 20,000 summaries, each as a set of
distinct summaries and as a near-duplicate-heavy set (70 % lightly edited
copies of ten originals: a template passed around), which is what made runs
take 3 GB per worker.

Times quizzes.surveys.copydetect (every match found, as the task streams
them) and measures its peak memory, against the floor: shingling and MinHash
signatures alone, the part every detection must do, on the same texts. Each
measurement runs in a fresh process, so its peak RSS (resource.getrusage) is
its own; the figure is the peak minus the process's RSS once its texts were
generated (the interpreter and the texts are not the detection's).

    DEBUG=1 .venv/bin/python bench/bench_copies.py

Prints JSON on stdout (progress on stderr). Needs no database. Not a test.
"""

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizzes.surveys.tests.summaries import VOCABULARY, generated_summaries

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
SIZES = [300, 600] if SMOKE else [4000, 20000]
NEAR_DUPLICATE_SHARE = 0.7
# Targets: well inside the task's soft time limit (600 s), and a memory use
# two runs can share with the rest of a 2 GB worker host.
TIME_LIMIT_S = 120
MEMORY_LIMIT_MB = 512


def summaries(count: int, *, near_duplicates: bool) -> list[str]:
    """Distinct summaries of 250-400 characters on one vocabulary; with
    `near_duplicates`, most are light edits of one of ten originals."""
    texts = generated_summaries(count, seed=7)
    rng = random.Random(8)
    if near_duplicates:
        for i in range(10, int(count * NEAR_DUPLICATE_SHARE)):
            original = rng.choice(texts[:10])
            middle = len(original) // 2
            texts[i] = (
                original[:middle].replace("。", "．")
                + rng.choice(VOCABULARY)
                + "私もそう思いました。"
                + original[middle:]
            )
    return texts


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(kind: str, size: int, mode: str) -> dict:
    """One measurement, in this (fresh) process."""
    from quizzes.surveys import copydetect

    texts = summaries(size, near_duplicates=kind == "near-duplicates")
    before = _rss_mb()
    started = time.perf_counter()
    if mode == "floor":
        sets = [copydetect._hashes32(text) for text in texts]
        present = [s for s in sets if len(s)]
        for start in range(0, len(present), copydetect.SIGNATURE_CHUNK):
            copydetect._signatures(present[start : start + copydetect.SIGNATURE_CHUNK])
        pairs = candidates = 0
    else:
        stats: dict = {}
        pairs = sum(1 for _ in copydetect.iter_copies(texts, stats=stats))
        candidates = stats["candidates"]
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_mb": round(max(_rss_mb() - before, 0.1), 1),
        "pairs": pairs,
        "candidates": candidates,
    }


def in_fresh_process(kind: str, size: int, mode: str) -> dict:
    run = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(size), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(run.stdout)


def main() -> None:
    figures, details = [], []
    for size in SIZES:
        for kind in ("distinct", "near-duplicates"):
            print(f"{kind} x {size}", file=sys.stderr, flush=True)
            full = in_fresh_process(kind, size, "full")
            floor = in_fresh_process(kind, size, "floor")
            details.append(
                {"summaries": size, "set": kind, "run": full, "floor": floor}
            )
            label = f"copy detection, {size:,} {kind} summaries"
            for what, name, unit, limit in (
                ("seconds", "time", "s", TIME_LIMIT_S),
                ("peak_mb", "peak memory", "MB", MEMORY_LIMIT_MB),
            ):
                value, base = full[what], floor[what]
                figures.append(
                    {
                        "figure": f"{label}: {name}",
                        "value": value,
                        "unit": unit,
                        "floor": base,
                        "ratio": round(value / base, 1) if base else None,
                        "target": f"<= {limit} {unit}",
                        "met": value <= limit,
                    }
                )
    print(
        json.dumps(
            {
                "benchmark": "copies",
                "figures": figures,
                "floor": "shingling and MinHash signatures alone, same texts",
                "cases": details,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    else:
        main()
