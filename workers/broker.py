"""The dramatiq broker: Redis when ``REDIS_URL`` is set, otherwise an in-process stub broker
whose worker runs inside the API process (the embedded default).

dramatiq's Redis consumers poll: an idle one sleeps up to the worker's timeout between two
fetches, so a message sent to an idle worker waited up to that long. ``WakingRedisBroker``
makes them push-driven instead: every send also leaves a wake-up token in a list of its own per
queue, and an idle consumer waits on that list (``BLPOP``) rather than sleeping, so it fetches the
message as soon as it is sent. A consumer always fetches before it waits, and a token stays until
a consumer takes it, so no message waits for a timeout; a lost token only costs the timeout.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import compute_backoff

log = logging.getLogger(__name__)
MAX_WAIT_MS = 1000  # an idle consumer's longest wait on Redis (the client's socket timeout is 2 s)


def make_broker(redis_url: str | None) -> dramatiq.Broker:
    if redis_url:
        # Short socket timeouts: a Redis outage must not hold up a write for long; the
        # periodic catch-up covers any message that could not be sent.
        return WakingRedisBroker(url=redis_url, socket_timeout=2, socket_connect_timeout=2)
    return StubBroker()


def wake_key(broker: RedisBroker, queue_name: str) -> str:
    return f"leerroute:wake:{broker.namespace}:{queue_name}"


class WakingRedisBroker(RedisBroker):
    """dramatiq's Redis broker whose consumers are woken by a send (see the module's docstring)."""

    @property
    def consumer_class(self) -> Any:
        return _WokenConsumer

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        enqueued = super().enqueue(message, delay=delay)
        if delay is None:  # a delayed message is woken for when it falls due (the delay queue's consumer moves it)
            key = wake_key(self, message.queue_name)
            try:  # one token is enough: a woken consumer fetches all it may
                pipeline = self.client.pipeline(transaction=False)
                pipeline.lpush(key, 1)
                pipeline.ltrim(key, 0, 0)
                pipeline.execute()
            except redis.RedisError as error:
                log.warning("could not wake the workers of %s (%s); they fetch it within their timeout", message.queue_name, error)
        return enqueued


class _WokenConsumer(_RedisConsumer):
    """dramatiq's Redis consumer (its fetching, acks and requeues as they are) with its idle sleep
    replaced by a wait on the queue's wake-up list: dramatiq's own sleep is made zero (a timeout
    of 0), and the wait happens here instead, for at most the worker's timeout."""

    def __init__(self, broker: WakingRedisBroker, queue_name: str, prefetch: int, timeout: int):
        super().__init__(broker, queue_name, prefetch, 0)
        self.idle_timeout = timeout
        self._key = wake_key(broker, queue_name)
        self._busy_misses = 0

    def __next__(self) -> Any:
        could_fetch = self.outstanding_message_count < self.prefetch
        message = super().__next__()
        if message is not None:
            self._busy_misses = 0
            return message
        if not could_fetch:  # every slot taken: wait a little, as dramatiq does, before looking again
            self._busy_misses, backoff_ms = compute_backoff(self._busy_misses, max_backoff=self.idle_timeout)
            time.sleep(backoff_ms / 1000)
            return None
        try:  # the queue was empty: wait until a send wakes it, or the timeout passes (below the socket's)
            self.broker.client.blpop([self._key], timeout=min(max(self.idle_timeout, 1), MAX_WAIT_MS) / 1000)
        except redis.RedisError:
            time.sleep(self.idle_timeout / 1000)
        return None


def queue_depth(broker: dramatiq.Broker, queue_name: str) -> int:
    """Messages waiting in a queue (its delay queue included)."""
    from dramatiq.common import dq_name

    if isinstance(broker, StubBroker):
        return sum(broker.queues[q].qsize() for q in (queue_name, dq_name(queue_name)) if q in broker.queues)
    if isinstance(broker, RedisBroker):
        return sum(int(broker.do_qsize(q)) for q in (queue_name, dq_name(queue_name)))
    return 0
