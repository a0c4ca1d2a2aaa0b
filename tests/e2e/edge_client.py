"""Raw HTTP/1.1 over a socket, for the tests of the API's edge: a client that announces a body and
never sends it, trickles it, or streams it in chunks, which ordinary clients do not do."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def deadline_poll(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """A bounded poll: ``condition`` must hold within ``seconds`` (a bound, not a measurement)."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        pause.wait(0.1)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_response(sock: socket.socket) -> RawResponse:
    """One response (the socket's timeout bounds the wait for it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(status, headers, body[:length])


def request_head(method: str, path: str, port: int, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send_until_answered(sock: socket.socket, pieces: Iterator[bytes]) -> None:
    """Send pieces until the server answers or stops reading (it closed the connection)."""
    sock.setblocking(True)
    for piece in pieces:
        try:
            sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            return
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            return


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@contextmanager
def api_process(env: dict[str, str | None], *, data_dir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``leerroute serve`` as its own process on a free port (its settings from ``env``; None
    leaves a variable unset)."""
    port = free_port()
    environment = {k: v for k, v in {**os.environ, **env, "LEERROUTE_DATA_DIR": str(data_dir)}.items() if v is not None}
    log = (data_dir / "api.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "leerroute.cli", "serve", "--port", str(port)],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, (data_dir / "api.log").read_text()[-3000:]
        try:
            return httpx.get(base + "/v1/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        deadline_poll(up, seconds=120, what="the API process to start")
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
