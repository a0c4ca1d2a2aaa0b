"""The dramatiq broker: Redis when ``REDIS_URL`` is set, otherwise an in-process stub broker
whose worker runs inside the API process (the embedded default)."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker


def _configure() -> dramatiq.Broker:
    redis_url = os.environ.get("REDIS_URL")
    configured: dramatiq.Broker = RedisBroker(url=redis_url) if redis_url else StubBroker()
    dramatiq.set_broker(configured)
    return configured


broker = _configure()
