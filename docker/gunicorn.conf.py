"""gunicorn for Koza's `web` container (the Dockerfile runs it with `-c`).

Stopping and reloading without dropping a learner's request:

- SIGHUP reloads: new workers start on the same listening socket, then the
  old ones finish the request they are serving and exit. No connection is
  refused or reset (`docker compose kill -s HUP web`).
- SIGUSR2 starts a new master from the code and Python on disk, sharing the
  socket; then WINCH and TERM the old master (outside Docker, to upgrade in
  place).
- SIGTERM stops: the listener closes at once (new connections are refused),
  and each worker finishes its request for up to `graceful_timeout` seconds.
  docker-compose.yml gives the container `stop_grace_period` longer than
  that, so Docker's SIGKILL never cuts a request short.
"""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 120
graceful_timeout = 30
accesslog = "-"
