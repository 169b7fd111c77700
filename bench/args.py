"""The command line every benchmark script shares: the cohort sizes to run
at (`--learners 4000,100000`) and the weeks of work each learner has.

    .venv/bin/python bench/bench_grading.py --learners 100000 --weeks 15
    make bench BENCH_ARGS="--only grading --learners 4000,100000"

BENCH_SMOKE=1 (make bench --smoke) picks the tiny sizes; BENCH_LEARNERS and
BENCH_WEEKS set the defaults from the environment."""

import argparse
import os

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
# Set by run.py, whose database is dropped after the run: a script need not
# delete a 100,000-learner cohort at its end (minutes of cascades).
FRESH = bool(os.environ.get("BENCH_FRESH"))


def _sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("learners: positive numbers, comma-separated")
    return sizes


def parse(
    doc: str | None,
    *,
    learners: str,
    weeks: int = 15,
    smoke_learners: str = "40",
    smoke_weeks: int = 3,
    extra=None,
) -> argparse.Namespace:
    """`learners` and `weeks` are the full-run defaults; `extra(parser)` adds a
    script's own options."""
    parser = argparse.ArgumentParser(
        description=(doc or "").split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--learners",
        type=_sizes,
        default=_sizes(
            os.environ.get("BENCH_LEARNERS") or (smoke_learners if SMOKE else learners)
        ),
        help="cohort sizes, comma-separated (default %(default)s)",
    )
    parser.add_argument(
        "--weeks",
        type=int,
        default=int(os.environ.get("BENCH_WEEKS") or (smoke_weeks if SMOKE else weeks)),
        help="weeks of homework and summaries (default %(default)s)",
    )
    if extra:
        extra(parser)
    return parser.parse_args()
