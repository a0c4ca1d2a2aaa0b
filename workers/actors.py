"""dramatiq actors. They are thin: each calls one thing on the container it is bound to.

Actors are bound per container (each container has its own broker), so one process can hold
several leerroute instances, as the tests do, without a global broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import dramatiq

if TYPE_CHECKING:
    from leerroute.bootstrap import Container

PROJECTIONS_QUEUE = "projections"


POLICIES_QUEUE = "policies"


@dataclass(frozen=True)
class Actors:
    catch_up_projections: dramatiq.Actor
    run_time_policies: dramatiq.Actor


def bind_actors(container: "Container", broker: dramatiq.Broker) -> Actors:
    def catch_up_projections() -> None:
        container.projections.catch_up()

    def run_time_policies() -> None:
        if container.policies.run():
            container.projections.catch_up()

    options = {"max_retries": 3, "min_backoff": 200, "max_backoff": 5000}
    return Actors(
        catch_up_projections=dramatiq.Actor(
            catch_up_projections, broker=broker, actor_name="catch_up_projections",
            queue_name=PROJECTIONS_QUEUE, priority=0, options=options,
        ),
        run_time_policies=dramatiq.Actor(
            run_time_policies, broker=broker, actor_name="run_time_policies",
            queue_name=POLICIES_QUEUE, priority=10, options=options,
        ),
    )
