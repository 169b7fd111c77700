"""Locust load for bench_spike.py, run as a library in its own process.

    python bench/spike_load.py CONFIG.json

CONFIG says the mode and everything the learners need (URLs, question and
choice ids, session cookies made beforehand). Prints one JSON object: per
request type count, failures, req/s and p50/p95/p99 in ms, the flows
completed, and this process's CPU time (Locust must stay a fraction of a
core, or it would be measuring itself).
"""

import json
import random
import resource
import sys
import time
import uuid
from http.cookiejar import Cookie

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

with open(sys.argv[1]) as config_file:
    CONFIG = json.load(config_file)
HOST = CONFIG["host"]
MODE = CONFIG["mode"]
LEARNERS = CONFIG.get("learners", [])
QUESTIONS = CONFIG.get("questions", [])  # [[question id, [choice ids]], ...]
SUMMARY = (
    "The lecture explained how attention lets a model weigh every earlier "
    "token, why training at scale needs careful data curation, and how the "
    "notebook fine-tunes a small model on a free GPU. I want to try the "
    "evaluation exercise again with a larger validation set next week."
)
STATE = {"next": 0, "flows": 0, "done": False, "stopping": False}


def next_learner(*, cycle: bool) -> dict | None:
    if STATE["stopping"]:
        return None
    index = STATE["next"]
    if index >= len(LEARNERS):
        if not cycle:
            return None
        index = 0
    STATE["next"] = index + 1
    return LEARNERS[index]


def _cookie(name: str, value: str) -> Cookie:
    domain = HOST.split("//", 1)[1].split(":", 1)[0]
    return Cookie(
        0, name, value, None, False, domain, False, False, "/", True, False,
        None, True, None, None, {},
    )  # fmt: skip


class Learner(FastHttpUser):
    host = HOST
    wait_time = constant(0)

    def login_as(self, learner: dict) -> None:
        jar = self.client.cookiejar
        jar.clear()
        jar.set_cookie(_cookie("sessionid", learner["session"]))
        jar.set_cookie(_cookie("csrftoken", learner["csrf"]))
        self.csrf = {"X-CSRFToken": learner["csrf"]}

    def expect(self, method: str, url: str, name: str, status: int, **kwargs):
        with self.client.request(
            method, url, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code != status:
                response.failure(f"{response.status_code}")
            else:
                response.success()
        return response

    def answers(self, count: int | None = None) -> dict:
        chosen = QUESTIONS[:count] if count else QUESTIONS
        return {f"q-{q}": str(random.choice(choices)) for q, choices in chosen}

    def submit_homework(self):
        return self.expect(
            "POST",
            CONFIG["homework_url"],
            "homework submit",
            302,
            data=self.answers() | {"token": str(uuid.uuid4())},
            headers=self.csrf,
        )

    @task
    def work(self) -> None:
        if MODE == "noop":
            self.expect("GET", "/bench/noop/", "noop view (floor a)", 200)
            return
        if MODE == "floor":
            learner = next_learner(cycle=True)
            self.expect(
                "POST",
                "/bench/submit/",
                "one-statement submit (floor c)",
                204,
                data=json.dumps(
                    {
                        "homework": CONFIG["floor_homework_id"],
                        "user": learner["id"],
                        "questions": [q for q, _ in QUESTIONS],
                        "choices": [random.choice(c) for _, c in QUESTIONS],
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            return
        learner = next_learner(cycle=MODE == "submit")
        if learner is None:
            STATE["done"] = True
            raise StopUser
        self.login_as(learner)
        if MODE == "submit":
            self.submit_homework()
            return
        started = time.perf_counter()
        htmx = self.csrf | {"HX-Request": "true"}
        ok = [
            self.expect("GET", CONFIG["homework_url"], "homework page", 200),
            self.expect(
                "POST",
                CONFIG["draft_url"],
                "homework draft",
                200,
                data=self.answers(2),
                headers=htmx,
            ),
            self.expect(
                "POST",
                CONFIG["draft_url"],
                "homework draft",
                200,
                data=self.answers(),
                headers=htmx,
            ),
        ]
        ok.append(self.submit_homework())
        survey = {"summary": SUMMARY, CONFIG["rating_key"]: "4"}
        ok += [
            self.expect("GET", CONFIG["survey_url"], "survey page", 200),
            self.expect(
                "POST",
                CONFIG["survey_draft_url"],
                "survey draft",
                200,
                data=survey,
                headers=htmx,
            ),
            self.expect(
                "POST",
                CONFIG["survey_url"],
                "survey submit",
                302,
                data=survey | {"action": "submit"},
                headers=self.csrf,
            ),
        ]
        if all(r.status_code in {200, 302} for r in ok):
            STATE["flows"] += 1
            events.request.fire(
                request_type="FLOW",
                name="complete flow",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                exception=None,
                context={},
            )


def main() -> None:
    env = Environment(user_classes=[Learner], events=events)
    runner = env.create_local_runner()
    users = CONFIG["users"]
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    runner.start(users, spawn_rate=users)
    if CONFIG.get("warmup"):
        # Every phase starts on a warm server (connections in the pool,
        # statements prepared); only what follows is counted.
        gevent.sleep(CONFIG["warmup"])
        env.stats.reset_all()
        STATE["flows"] = 0
        cpu_start = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
    deadline = started + CONFIG["seconds"]
    while time.perf_counter() < deadline and not STATE["done"]:
        gevent.sleep(0.2)
    # Time is up: no learner starts a new flow, the ones under way finish
    # theirs, so every request the server answered is counted.
    STATE["stopping"] = True
    if MODE == "flow":
        finish = time.perf_counter() + 30
        while runner.user_count and time.perf_counter() < finish:
            gevent.sleep(0.1)
    runner.quit()
    elapsed = time.perf_counter() - started
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_end.ru_utime - cpu_start.ru_utime) + (
        cpu_end.ru_stime - cpu_start.ru_stime
    )
    requests = {}
    for (name, method), entry in env.stats.entries.items():
        requests[name] = {
            "method": method,
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "per_second": round(entry.num_requests / elapsed, 1),
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
    errors = {
        f"{e.method} {e.name}: {e.error}": e.occurrences
        for e in env.stats.errors.values()
    }
    print(
        json.dumps(
            {
                "mode": MODE,
                "users": users,
                "seconds": round(elapsed, 2),
                "flows": STATE["flows"],
                "requests": requests,
                "errors": errors,
                "locust_cpu_seconds": round(cpu, 2),
                "locust_cpu_share": round(cpu / elapsed, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
