"""The dramatiq broker: Redis when ``REDIS_URL`` is set, otherwise an in-process stub broker
whose worker runs inside the API process (the embedded default)."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker


def make_broker(redis_url: str | None) -> dramatiq.Broker:
    if redis_url:
        # Short socket timeouts: a Redis outage must not hold up a write for long; the
        # periodic catch-up covers any message that could not be sent.
        return RedisBroker(url=redis_url, socket_timeout=2, socket_connect_timeout=2)
    return StubBroker()
