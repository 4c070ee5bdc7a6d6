"""The bundled Meilisearch binary: where it is installed, and running it as a child process.

`scripts/install-meilisearch.sh` puts the binary in a cache folder outside the clone
(`~/.cache/guildhall/` or $GUILDHALL_CACHE), so fresh clones and CI reuse it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from api.orphans import end_with_parent
from api.settings import Settings

MEILI_VERSION = "1.21.0"
LOCAL_PORT = 7700


def cache_dir() -> Path:
    # The one environment read outside settings: where the installer put the binary,
    # shared with the shell installer rather than a runtime setting of the app.
    return Path(os.environ.get("GUILDHALL_CACHE") or Path.home() / ".cache" / "guildhall")


def binary_path() -> Path:
    return cache_dir() / f"meilisearch-{MEILI_VERSION}" / "meilisearch"


def local_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{LOCAL_PORT}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _detach_but_die_with_parent() -> None:
    """In the child before exec: a session of its own, so a terminal's Ctrl-C reaches only us
    (we stop the child in order), and SIGTERM when we die however we die (Linux), so a killed
    parent never leaves an orphan server holding the port."""
    os.setsid()
    end_with_parent()


class MeiliProcess:
    """A Meilisearch child process bound to loopback."""

    def __init__(self, data_dir: Path, master_key: str, port: int = LOCAL_PORT) -> None:
        self.data_dir = data_dir
        self.master_key = master_key
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> MeiliProcess:
        binary = binary_path()
        if not binary.exists():
            found = shutil.which("meilisearch")
            if not found:
                raise RuntimeError(
                    f"Meilisearch binary not found at {binary}; run scripts/install-meilisearch.sh "
                    "or set MEILI_URL to an existing server"
                )
            binary = Path(found)
        if _healthy(self.url):
            raise RuntimeError(f"something already answers on {self.url}; set MEILI_URL to use it")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.data_dir / "meilisearch.log", "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [
                str(binary),
                "--http-addr",
                f"127.0.0.1:{self.port}",
                "--db-path",
                str(self.data_dir / "data.ms"),
                "--dump-dir",
                str(self.data_dir / "dumps"),
                "--snapshot-dir",
                str(self.data_dir / "snapshots"),
                "--master-key",
                self.master_key,
                "--env",
                "development",
                "--no-analytics",
                "--log-level",
                "WARN",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_detach_but_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Meilisearch exited early; see {self.data_dir / 'meilisearch.log'}")
            if _healthy(self.url):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Meilisearch did not become healthy in time")

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
