"""gunicorn for Koza's `web` container (the Dockerfile runs it with `-c`).

Stopping and reloading without dropping a learner's request:

- SIGHUP reloads: new workers start on the same listening socket, then the
  old ones finish the request they are serving and exit. No connection is
  refused or reset (`docker compose kill -s HUP web`).
- SIGUSR2 starts a new master from the code and Python on disk, sharing the
  socket; then WINCH and TERM the old master (outside Docker, to upgrade in
  place).
- SIGTERM stops: each worker finishes the request it is serving, for up to
  `graceful_timeout` seconds. docker-compose.yml gives the container a
  `stop_grace_period` longer than that, so Docker's SIGKILL never cuts a
  request short.
"""

import os
import signal

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 120
graceful_timeout = 30
accesslog = "-"


def post_worker_init(worker):
    """On SIGTERM a worker also closes its copy of the listening socket.

    The master closes its copy at once, but each worker holds one too, so
    while a busy worker finishes its request the kernel kept accepting new
    connections into the queue, and reset every one of them when that worker
    exited (a submit sent then was lost mid-flight). With every copy closed
    a new connection is refused at once instead, which a client or proxy can
    safely retry. On a reload the master and the new workers keep the socket
    open, so nothing is refused.
    """

    def stop_taking_connections(signum, frame):
        worker.alive = False
        for listener in worker.sockets:
            listener.close()

    signal.signal(signal.SIGTERM, stop_taking_connections)
    # Run it even while the worker waits on a read (a request body still
    # arriving): the call is interrupted, the handler runs, and the call is
    # resumed where it was (Python retries interrupted calls, PEP 475; so
    # does psycopg), so the request goes on undisturbed.
    signal.siginterrupt(signal.SIGTERM, True)
