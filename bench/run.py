"""Run Koza's benchmarks and write bench/results.json and bench/results.md.

Each `bench/bench_*.py` is a script that prints one JSON object on stdout:

    {"benchmark": "...", "figures": [
        {"figure": "...", "value": 1.23, "unit": "s", "floor": 0.9,
         "ratio": 1.37, "target": "<= 3x floor", "met": true,
         "spread": [1.2, 1.3]}, ...], ...details}

Floors are measured by the same script in the same run. Scripts run one
after another in fresh processes against a fresh PostgreSQL database.

    make bench                      # full sizes (needs PostgreSQL and Redis)
    make bench BENCH_ARGS=--smoke   # tiny sizes: keeps the scripts working
    make bench BENCH_ARGS="--only grading"
    make bench BENCH_ARGS="--only grading --learners 4000,100000"

Any other option (--learners, --weeks, a script's own) is passed on to the
scripts (bench/args.py).
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def machine() -> dict:
    info = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.date.today().isoformat(),
    }
    try:
        version = subprocess.run(
            ["psql", os.environ["DATABASE_URL"], "-Atc", "SHOW server_version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["postgresql"] = version
    except (KeyError, OSError, subprocess.CalledProcessError):
        info["postgresql"] = "unknown"
    return info


def fresh_database(url: str) -> str:
    """A new database next to the one in `url`, migrated: the benchmarks own it."""
    # Named after the given database, so two checkouts can benchmark at once.
    base, _, name = url.rpartition("/")
    bench = f"{name.split('?')[0]}_bench"
    bench_url = f"{base}/{bench}"
    admin_url = f"{base}/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {bench}", f"CREATE DATABASE {bench}"):
        subprocess.run(["psql", admin_url, "-qc", sql], check=True)
    env = os.environ | {"DATABASE_URL": bench_url, "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return bench_url


def table(results: list[dict], info: dict) -> str:
    lines = [
        f"Machine: {info['cores']} cores, PostgreSQL {info['postgresql']}, "
        f"Python {info['python']}, {info['date']}.",
        "",
        "| figure | value | floor | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        for fig in result.get("figures", []):
            value = f"{fig['value']} {fig.get('unit', '')}".strip()
            if fig.get("spread"):
                low, high = fig["spread"]
                value += f" ({low}–{high})"
            floor = fig.get("floor")
            floor = (
                f"{floor} {fig.get('unit', '')}".strip() if floor is not None else "—"
            )
            ratio = f"{fig['ratio']}×" if fig.get("ratio") is not None else "—"
            met = {True: "yes", False: "**no**", None: "—"}[fig.get("met")]
            lines.append(
                f"| {fig['figure']} | {value} | {floor} | {ratio} | "
                f"{fig.get('target') or '—'} | {met} |"
            )
    return "\n".join(lines) + "\n"


def _merged_with_earlier(results: list[dict]) -> list[dict]:
    """With --only, keep the other benchmarks' latest results in the files,
    and this benchmark's figures that this run did not measure (a figure
    names its size, so `--learners 100000` alone keeps the 4,000 figures of
    an earlier run). Each kept figure carries the date it was measured."""
    path = BENCH / "results.json"
    earlier = json.loads(path.read_text())["results"] if path.exists() else []
    fresh = {result["benchmark"]: result for result in results}
    merged = []
    for result in earlier:
        name = result.get("benchmark")
        if name not in fresh:
            merged.append(result)
            continue
        new = fresh.pop(name)
        measured = {fig["figure"] for fig in new.get("figures", [])}
        when = result.get("machine", {}).get("date")
        kept = [
            fig | {"measured": fig.get("measured") or when}
            for fig in result.get("figures", [])
            if fig["figure"] not in measured
        ]
        merged.append(new | {"figures": kept + new.get("figures", [])})
    return merged + list(fresh.values())


def _earlier_machine() -> dict | None:
    path = BENCH / "results.json"
    return json.loads(path.read_text()).get("machine") if path.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes")
    parser.add_argument("--only", help="run bench_<ONLY>.py only")
    args, passed_on = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("make bench needs PostgreSQL: set DATABASE_URL (and REDIS_URL).")
        return 2
    scripts = sorted(BENCH.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem == f"bench_{args.only}"]
    env = os.environ | {
        "DATABASE_URL": fresh_database(os.environ["DATABASE_URL"]),
        "DEBUG": "1",
        "BENCH_SMOKE": "1" if args.smoke else "",
        "BENCH_FRESH": "1",
        "PYTHONPATH": str(ROOT),
    }
    info = machine()
    results, failed = [], []
    for script in scripts:
        print(f"--- {script.name}", file=sys.stderr, flush=True)
        run = subprocess.run(
            [sys.executable, str(script), *passed_on],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(run.stderr[-4000:])
        if run.returncode != 0:
            failed.append(script.name)
            continue
        results.append(json.loads(run.stdout))
    if not args.smoke:
        if args.only:
            # The table's machine line stays the full run's; this run's own
            # machine and date go with its results.
            for result in results:
                result["machine"] = info
            results = _merged_with_earlier(results)
            info = _earlier_machine() or info
        (BENCH / "results.json").write_text(
            json.dumps({"machine": info, "results": results}, indent=2) + "\n"
        )
        (BENCH / "results.md").write_text(table(results, info))
    print(table(results, info))
    if failed:
        print("failed:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
