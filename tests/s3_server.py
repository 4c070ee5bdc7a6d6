"""An S3-compatible server for the tests: moto's server mode, started as a child process on a
free loopback port (never mocked in-process), with one bucket."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from api.meili_process import free_port

ACCESS_KEY = "guildhall-test-access"
SECRET_KEY = "guildhall-test-secret"


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen

    def create_bucket(self, name: str) -> str:
        request = urllib.request.Request(f"{self.endpoint}/{name}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass
        return name

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_s3_server(timeout: float = 60.0) -> S3Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:  # readiness poll of a child process (start-up, not a test's sync)
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                return S3Server(endpoint, process)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.1)
