"""The read-side figures on two databases that ``leerroute bench`` runs left behind (a small and a
large population), measured turn about (ABAB) so that a noisy machine weighs on both alike:

    .venv/bin/python -m bench.read_side --small leerroute_bench_small --large leerroute_bench --rounds 2

Per read, the median latency of each round on each database and the ratio of the medians (large
against small); the money report is also read with its savings derived from every route (as
before the month aggregates), for comparison. Both databases must have caught up their read
models (``leerroute projections status``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

import leerroute.money_queries as money_queries
from adapters import queries
from bench.generator import LARGEST
from bench.run import build_container, first_trajectory, server_url, steady_state
from domain.access import TrajectoryScope
from domain.money import AsOf
from domain.values import Actor, Role

MUNICIPALITY = LARGEST[0]  # the largest municipality of the generated population


def reads(container) -> dict[str, Callable[[], object]]:
    url, today = container.database_url, container.clock.today()
    horizon = today + timedelta(days=container.settings.deviation_ending_days)
    km = Actor("bench", Role.KLANTMANAGER, MUNICIPALITY)
    trajectory = first_trajectory(url, MUNICIPALITY)
    aggregated = money_queries.savings_aggregated

    def from_every_route() -> object:
        money_queries.savings_aggregated = lambda baseline: False
        try:
            return container.money.report(km, AsOf(today))
        finally:
            money_queries.savings_aggregated = aggregated

    return {
        "funnel national": lambda: queries.funnel(url, queries.FunnelScope()),
        "funnel municipality": lambda: queries.funnel(url, queries.FunnelScope(municipality=MUNICIPALITY)),
        "worklist": lambda: queries.worklist(url, MUNICIPALITY, today=today, deviation_horizon=horizon, limit=50),
        "trajectory list": lambda: queries.list_trajectories(url, queries.PageRequest(1, 50), TrajectoryScope(MUNICIPALITY)),
        "money report municipality": lambda: container.money.report(km, AsOf(today)),
        "money of one trajectory": lambda: container.money.trajectory_money(km, trajectory, AsOf(today), trace_id="bench"),
        "money report, savings from every route": from_every_route,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", required=True, help="database of the small population")
    parser.add_argument("--large", required=True, help="database of the large population")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    containers = {}
    for size, name in (("small", args.small), ("large", args.large)):
        url = make_url(server_url()).set(database=name).render_as_string(hide_password=False)
        containers[size] = build_container(url, Path(tempfile.mkdtemp(prefix="leerroute-bench-")))
        steady_state(url)
    found: dict[str, dict[str, list[float]]] = {"small": {}, "large": {}}
    for _ in range(args.rounds):
        for size, container in containers.items():
            for name, read in reads(container).items():
                repeats = 3 if "every route" in name else args.repeats
                read()  # warm
                samples = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    read()
                    samples.append(time.perf_counter() - t0)
                found[size].setdefault(name, []).append(statistics.median(samples) * 1000)
    for name, small in found["small"].items():
        large = found["large"][name]
        print(f"{name:<42} small {' '.join(f'{v:8.1f}' for v in small)} ms  large {' '.join(f'{v:8.1f}' for v in large)} ms"
              f"  ratio {statistics.median(large) / statistics.median(small):5.2f}")


if __name__ == "__main__":
    main()
