"""The write path of one command, measured on its own (PostgreSQL): commands in-process (one
writer, the bench's route script) against raw single-row INSERTs, alternating A and B rounds so a
shared machine's load falls on both, and the round trips and statements per command.

    python -m bench.write_path --rounds 3 --seconds 5          # its own database, leerroute_bench_write
    python -m bench.write_path --profile bench/results/write-path.html

``leerroute bench`` measures the same figure once, inside its full run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from adapters.database import get_engine
from bench.round_trips import counted
from bench.run import build_container, fresh_database, ms, percentile, raw_insert_rate
from bench.workload import COMMANDS_PER_ROUTE, InProcessRoutes


def trips_per_command(container, routes: int = 3) -> tuple[float, Counter[str]]:
    """Round trips per command over ``routes`` whole routes, and the statements' kinds."""
    workload = InProcessRoutes(container, client=7, first_number=5_000_000)
    commands = workload.commands()
    with counted(get_engine(container.database_url)) as trips:
        for _ in range(routes * COMMANDS_PER_ROUTE):
            next(commands)()
    kinds = Counter(" ".join(s.split()[:2])[:40] for s in trips.statements)
    return trips.round_trips / (routes * COMMANDS_PER_ROUTE), kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="leerroute_bench_write")
    parser.add_argument("--profile", type=Path, default=None, help="pyinstrument the commands of one round into this file")
    options = parser.parse_args()
    url = fresh_database(options.database)
    container = build_container(url, Path(tempfile.mkdtemp(prefix="leerroute-bench-")))
    trips, kinds = trips_per_command(container)
    print(f"round trips per command: {trips:.2f}; statements over 3 routes: {dict(kinds.most_common())}")
    workload = InProcessRoutes(container, client=0, first_number=0)
    workload.run_for(1.0)  # warm
    ratios = []
    for round_number in range(options.rounds):
        floor, _ = raw_insert_rate(url, options.seconds)
        if options.profile is not None and round_number == 0:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            timings = workload.run_for(options.seconds)
            profiler.stop()
            options.profile.parent.mkdir(parents=True, exist_ok=True)
            options.profile.write_text(profiler.output_html())
            options.profile.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
        else:
            timings = workload.run_for(options.seconds)
        container.workers.broker.flush_all()
        ratios.append(timings.rate / floor)
        print(f"round {round_number + 1}: raw INSERT {floor:,.0f}/s, commands {timings.rate:,.1f}/s "
              f"(p50 {ms(percentile(timings.latencies, 0.5)):.2f} ms): ratio {ratios[-1]:.3f}")
    print(f"median ratio {statistics.median(ratios):.3f} (target >= 0.5)")


if __name__ == "__main__":
    main()
