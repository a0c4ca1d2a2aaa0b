"""dramatiq actors. They are thin: each asks the composition root for the container and calls
one thing on it."""

from __future__ import annotations

import logging

import dramatiq

from workers.broker import broker

log = logging.getLogger(__name__)


@dramatiq.actor(broker=broker, queue_name="projections", max_retries=3, min_backoff=200, max_backoff=5000)
def catch_up_projections() -> None:
    from leerroute.bootstrap import current_container

    current_container().projections.catch_up()
