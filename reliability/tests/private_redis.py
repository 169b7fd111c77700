"""A redis-server of the test's own, to stop, freeze and start again without
disturbing the Redis every other test (and engineer) uses."""

import signal
import socket
import subprocess

import redis

from conftest import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, directory):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: self._ping(client), timeout=10, interval=0.02)

    @staticmethod
    def _ping(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen one cannot exit
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self):
        """SIGSTOP: connections still open, nothing ever answers."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)


def forget_broker_connections() -> None:
    """Make the next publish connect to the broker_url set now."""
    from lms.celery import app

    app._pool = None
    app.amqp._producer_pool = None
