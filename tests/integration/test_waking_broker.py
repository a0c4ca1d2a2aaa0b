"""The Redis broker wakes an idle consumer with every send: a token in a list of the queue's own,
which the consumer waits on (instead of sleeping between polls) once it found the queue empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest

from tests.conftest import requires_postgres_and_redis
from tests.e2e.test_workers import private_redis  # noqa: F401 (a fixture)
from workers.broker import WakingRedisBroker, make_broker, wake_key

pytestmark = requires_postgres_and_redis


@pytest.fixture
def broker(private_redis) -> Iterator[WakingRedisBroker]:  # noqa: F811
    redis_url, _ = private_redis
    made = make_broker(redis_url)
    assert isinstance(made, WakingRedisBroker)
    made.declare_queue("projections")
    yield made
    made.close()


def _actor(broker: dramatiq.Broker) -> dramatiq.Actor:
    return dramatiq.Actor(lambda: None, broker=broker, actor_name="catch_up", queue_name="projections", priority=0, options={})


def test_a_send_leaves_one_wake_up_token_however_many_messages(broker: WakingRedisBroker, tmp_path: Path):
    actor = _actor(broker)
    for _ in range(5):
        actor.send()
    assert broker.client.llen(wake_key(broker, "projections")) == 1
    assert broker.do_qsize("projections") == 5


def test_a_delayed_message_leaves_no_token_until_it_falls_due(broker: WakingRedisBroker):
    _actor(broker).send_with_options(delay=60_000)
    assert broker.client.llen(wake_key(broker, "projections")) == 0


def test_the_consumer_fetches_first_and_waits_on_the_token_only_when_the_queue_is_empty(broker: WakingRedisBroker):
    actor = _actor(broker)
    actor.send()
    consumer = broker.consume("projections", prefetch=1, timeout=100)
    message = next(consumer)
    assert message is not None and message.actor_name == "catch_up"
    key = wake_key(broker, "projections")
    assert broker.client.llen(key) == 1  # fetched without waiting: the token is still there
    consumer.ack(message)
    assert next(consumer) is None  # empty: it waited on the list, and the token woke it at once
    assert broker.client.llen(key) == 0
    actor.send()  # a send while it waits is fetched on its next turn
    assert next(consumer) is not None
    consumer.close()
