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


def queue_depth(broker: dramatiq.Broker, queue_name: str) -> int:
    """Messages waiting in a queue (its delay queue included)."""
    from dramatiq.common import dq_name

    if isinstance(broker, StubBroker):
        return sum(broker.queues[q].qsize() for q in (queue_name, dq_name(queue_name)) if q in broker.queues)
    if isinstance(broker, RedisBroker):
        return sum(int(broker.do_qsize(q)) for q in (queue_name, dq_name(queue_name)))
    return 0
