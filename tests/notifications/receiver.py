"""A real HTTP receiver of notifications on loopback (an ephemeral port), for the tests.

It verifies each delivery with the ``standardwebhooks`` reference verifier, records what it
received, and answers as told: 2xx, a 5xx, or not at all (stopped: nothing listens on its port).
``hold`` makes it keep a request open until released (a worker killed mid-delivery).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: str

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []  # every request that reached it, answered or not
        self.accepted: list[Received] = []  # those answered with a 2xx
        self.status = 204
        self.secrets: list[str] = []
        self.rejected_signatures = 0
        self.hold = threading.Event()  # set: answer at once; clear: keep the request open
        self.hold.set()
        self.held = threading.Event()  # set while a request is being held
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/leerroute"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = Received({k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length).decode())
                with receiver._lock:
                    receiver.received.append(received)
                if not receiver.hold.is_set():
                    receiver.held.set()
                    receiver.hold.wait(120)
                status = receiver.status
                if 200 <= status < 300 and receiver.secrets and not receiver.verifies(received):
                    status = 401
                    receiver.rejected_signatures += 1
                if 200 <= status < 300:
                    with receiver._lock:
                        receiver.accepted.append(received)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Nothing listens on the port any more (until ``start``)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def verifies(self, received: Received, secrets: list[str] | None = None) -> bool:
        for secret in secrets or self.secrets:
            try:
                Webhook(secret).verify(received.body, received.headers)
                return True
            except Exception:
                continue
        return False

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.event for r in self.accepted]

    def unique_events(self) -> list[dict[str, Any]]:
        """The accepted events with duplicates (the same id) dropped, as a receiver would."""
        seen: set[str] = set()
        out = []
        for event in self.events():
            if event["id"] not in seen:
                seen.add(event["id"])
                out.append(event)
        return out
