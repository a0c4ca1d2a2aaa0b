"""Posting a notification to a callback, signed per Standard Webhooks (the ``standardwebhooks``
library: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).

The signature covers the id, the timestamp and the body; with a rotation in progress the body is
signed with the new secret and the previous one (the header then holds both), so a receiver that
has not switched yet still verifies it. The timestamp is the wall clock of the moment of sending
(a receiver rejects stale ones). Redirects are not followed, and the host is checked against the
allowed callback hosts again at every delivery.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from adapters.notifications.cloudevents import CONTENT_TYPE
from domain.subscriptions import host_allowed


@dataclass(frozen=True)
class Sent:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signature_headers(message_id: str, body: str, secrets: list[str], moment: datetime) -> dict[str, str]:
    signatures = " ".join(Webhook(secret).sign(message_id, moment, body) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signatures,
    }


class Sender:
    def __init__(self, allowed_hosts: tuple[str, ...], timeout_seconds: float = 10.0):
        self._allowed_hosts = allowed_hosts
        self._client = httpx.Client(timeout=timeout_seconds, follow_redirects=False,
                                    headers={"User-Agent": "leerroute-notifications"})

    def post(self, url: str, message_id: str, body: str, secrets: list[str]) -> Sent:
        host = urlsplit(url).hostname or ""
        if not host_allowed(host, self._allowed_hosts):
            return Sent(None, 0, f"host {host} is not among the allowed callback hosts")
        headers = {"Content-Type": CONTENT_TYPE, **signature_headers(message_id, body, secrets, datetime.now(UTC))}
        started = time.perf_counter()
        try:
            response = self._client.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            return Sent(None, round((time.perf_counter() - started) * 1000), f"{type(error).__name__}: {error}"[:300])
        latency = round((time.perf_counter() - started) * 1000)
        error_text = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return Sent(response.status_code, latency, error_text)

    def close(self) -> None:
        self._client.close()
