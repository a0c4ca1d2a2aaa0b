"""The catch-up of one command's events, what a read model's visibility after a write waits for:
on a database a ``leerroute bench`` run left behind, a command of one writer (``InProcessRoutes``),
then ``ProjectionRunner.catch_up`` in the same thread, over and over.

    python -m bench.catch_up [--database leerroute_bench] [--seconds 10] [--profile FILE]

Prints the command's and the catch-up's p50 and p99, the statements a catch-up sends (``BEGIN``
and ``COMMIT`` not counted), and the share of its time spent inside the driver's ``execute`` (the
round trips and the server's work). ``--profile FILE`` writes a pyinstrument profile of the
catch-ups alone (its overhead makes the times longer).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    import sqlalchemy
    from sqlalchemy.engine import make_url

    from adapters.database import get_engine
    from bench import run as bench_run
    from bench.workload import InProcessRoutes

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="leerroute_bench", help="a database leerroute bench left behind")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", type=Path, default=None, help="write a pyinstrument profile of the catch-ups here")
    args = parser.parse_args()

    url = make_url(bench_run.server_url()).set(database=args.database).render_as_string(hide_password=False)
    container = bench_run.build_container(url, Path(tempfile.mkdtemp(prefix="leerroute-bench-catch-up-")))
    runner = container.projections
    runner.catch_up()
    # Candidates of their own: a number the population, the other figures and earlier runs did not use.
    routes = InProcessRoutes(container, client=50, first_number=6_000_000 + int(time.time()) % 100_000 * 10)
    profiler = None
    if args.profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)

    in_driver = {"seconds": 0.0, "statements": 0}
    started: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        in_driver["seconds"] += time.perf_counter() - started.pop()
        in_driver["statements"] += 1

    engine = get_engine(url)
    writes: list[float] = []
    catch_ups: list[float] = []
    deadline = time.perf_counter() + args.seconds
    try:
        for command in routes.commands():
            t0 = time.perf_counter()
            command()
            t1 = time.perf_counter()
            sqlalchemy.event.listen(engine, "before_cursor_execute", before)
            sqlalchemy.event.listen(engine, "after_cursor_execute", after)
            if profiler is not None:
                profiler.start()
            try:
                runner.catch_up()
            finally:
                if profiler is not None:
                    profiler.stop()
                sqlalchemy.event.remove(engine, "before_cursor_execute", before)
                sqlalchemy.event.remove(engine, "after_cursor_execute", after)
            t2 = time.perf_counter()
            writes.append(t1 - t0)
            catch_ups.append(t2 - t1)
            if t2 >= deadline:
                break
    finally:
        container.workers.broker.flush_all()

    def p(values: list[float], q: float) -> str:
        return f"{bench_run.percentile(values, q) * 1000:.1f}"

    print(f"{len(writes)} commands: write p50 {p(writes, 0.5)} ms p99 {p(writes, 0.99)} ms; "
          f"catch-up p50 {p(catch_ups, 0.5)} ms p99 {p(catch_ups, 0.99)} ms")
    print(f"a catch-up: {in_driver['statements'] / len(catch_ups):.1f} statements, "
          f"{in_driver['seconds'] / sum(catch_ups):.0%} of its time inside the driver's execute")
    if profiler is not None:
        args.profile.write_text(profiler.output_text(unicode=True, show_all=False))
        print(f"profile: {args.profile}")


if __name__ == "__main__":
    main()
