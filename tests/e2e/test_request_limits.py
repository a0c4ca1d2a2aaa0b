"""The API's edge against hostile or broken clients, on a real ``leerroute serve`` process: a body
above the limit is refused before it is read (401 first when the caller has no valid token),
a chunked body is counted as it arrives, a body that trickles in is cut off, and through all of
it the process's memory stays bounded (its RSS, read from /proc, with a generous bound)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import new_municipality, test_settings
from tests.e2e.edge_client import (
    RawResponse,
    api_process,
    read_response,
    request_head,
    rss_kib,
    send_until_answered,
)

LIMIT = 64 * 1024
HUNDRED_MB = 100 * 1024 * 1024
PIECE = b"x" * (1024 * 1024)


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory, tokens) -> Iterator[tuple[int, int, dict[str, str]]]:
    data_dir = Path(tmp_path_factory.mktemp("edge"))
    settings = test_settings(data_dir, database_url)
    env = {
        "DATABASE_URL": database_url,
        "LEERROUTE_JWT_SECRET": settings.effective_jwt_secret,
        "LEERROUTE_PSEUDONYM_SECRET": settings.effective_pseudonym_secret,
        "LEERROUTE_PERSONAL_DATA_SECRET": settings.effective_personal_data_secret,
        "LEERROUTE_MAX_BODY_BYTES": str(LIMIT),
        "LEERROUTE_BODY_TIMEOUT_SECONDS": "1",
        "LEERROUTE_KEEP_ALIVE_SECONDS": "1",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    with api_process(env, data_dir=data_dir) as (base, process):
        port = int(base.rsplit(":", 1)[1])
        yield port, process.pid, tokens.klantmanager(new_municipality())


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(30)  # a bound on waiting for an answer, not a measurement
    return sock


def _assert_problem(response: RawResponse, status: int) -> dict:
    assert response.status, response
    assert response.status == status, (response.status, response.body[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["api-version"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _announce(port: int, headers: dict[str, str], length: int) -> RawResponse:
    """Announce a body of ``length`` bytes and send none of it: only an answer that does not
    wait for the body comes back."""
    with _connect(port) as sock:
        sock.sendall(request_head("POST", "/v1/trajectories", port, {
            "Content-Type": "application/json", "Content-Length": str(length), **headers}))
        return read_response(sock)


def test_an_oversized_upload_without_a_token_is_401_before_its_body_is_read(server):
    port, _, _ = server
    body = _assert_problem(_announce(port, {}, HUNDRED_MB), 401)
    assert "bearer" in body["detail"]
    _assert_problem(_announce(port, {"Authorization": "Bearer not-a-token"}, HUNDRED_MB), 401)


def test_an_oversized_upload_with_a_token_is_413_before_its_body_is_read(server):
    port, _, km = server
    body = _assert_problem(_announce(port, km, HUNDRED_MB), 413)
    assert str(LIMIT) in body["detail"]


def _chunked(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield f"{len(PIECE):x}\r\n".encode() + PIECE + b"\r\n"
        sent += len(PIECE)
    yield b"0\r\n\r\n"


def _stream(port: int, headers: dict[str, str], *, chunked: bool) -> RawResponse:
    with _connect(port) as sock:
        framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(HUNDRED_MB)}
        sock.sendall(request_head("POST", "/v1/trajectories", port, {"Content-Type": "application/json", **framing, **headers}))
        pieces = _chunked(HUNDRED_MB) if chunked else iter([PIECE] * 100)
        send_until_answered(sock, pieces)
        return read_response(sock)


def test_a_chunked_body_is_counted_as_it_arrives_and_refused_past_the_limit(server):
    port, _, km = server
    _assert_problem(_stream(port, km, chunked=True), 413)
    _assert_problem(_stream(port, {}, chunked=True), 401)


def test_a_body_that_trickles_in_is_cut_off_with_408(server):
    port, _, km = server
    with _connect(port) as sock:
        sock.sendall(request_head("POST", "/v1/trajectories", port, {
            "Content-Type": "application/json", "Content-Length": "200", **km}) + b'{"candidate": ')
        body = _assert_problem(read_response(sock), 408)
    assert "did not arrive" in body["detail"]


def test_an_idle_keep_alive_connection_is_closed(server):
    port, _, _ = server
    with _connect(port) as sock:
        sock.sendall(request_head("GET", "/v1/openapi.json", port, {}))
        assert read_response(sock).status == 200
        rest = b""
        while chunk := sock.recv(65536):  # the server closes the idle connection (the socket's timeout bounds this)
            rest += chunk
    assert rest == b""


def test_hostile_uploads_leave_the_memory_of_the_api_process_bounded(server):
    port, pid, km = server
    before = rss_kib(pid)
    threads = [threading.Thread(target=_stream, args=(port, {}, ), kwargs={"chunked": False}) for _ in range(4)]
    threads += [threading.Thread(target=_stream, args=(port, km), kwargs={"chunked": chunked}) for chunked in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    after = rss_kib(pid)
    # Six 100 MB uploads: a process that buffered them would grow by gigabytes.
    assert after - before < 96 * 1024, f"RSS grew from {before} KiB to {after} KiB"
