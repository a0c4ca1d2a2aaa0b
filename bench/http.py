"""The HTTP figures of ``leerroute bench``: the API under uvicorn on loopback, in a process of its
own, on the benchmark's database.

- commands over HTTP (1, 8 and 32 clients: the benchmark's route script, asyncio + httpx) against
  raw single-row INSERTs;
- the console's main pages (signed in as a klantmanager: the worklist and a trajectory's page)
  against the API's reads of the same (``GET /v1/worklist``, ``GET /v1/trajectories/{id}/history``);
- the peak resident memory (Linux ``VmHWM``) of the API process (every uvicorn worker process),
  and of a worker process when one runs, against the same process once it served its first
  requests.

``python -m bench.http --database NAME`` runs them alone on a database that ``leerroute bench``
left behind (or a fresh one with a small population), which is quicker for profiling:
``--py-spy FILE`` records the server under the load with py-spy (``pip install py-spy``).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from domain.values import Role

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- memory ----------------------------------------------------------------------------------------


def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` and every process below it (``/proc/<pid>/stat``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            continue
    return total


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (uvicorn's worker processes), from ``/proc``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


@dataclass
class Memory:
    """Resident memory (KiB) of a process tree: after its first requests, and its peak."""

    pid: int
    idle_kb: int = 0
    peak_kb: int = 0
    processes: int = 0

    def note_idle(self) -> None:
        self.idle_kb = sum(_status_kb(p, "VmRSS") for p in process_tree(self.pid))

    def note_peak(self) -> None:
        pids = process_tree(self.pid)
        self.processes = len(pids)
        self.peak_kb = sum(_status_kb(p, "VmHWM") for p in pids)

    def as_dict(self) -> dict[str, Any]:
        return {"idleMb": round(self.idle_kb / 1024, 1), "peakMb": round(self.peak_kb / 1024, 1), "processes": self.processes}


# --- the processes ---------------------------------------------------------------------------------


@dataclass
class Served:
    base: str
    memory: Memory
    worker_memory: Memory | None = None


def _wait_until_up(process: subprocess.Popen, base: str, log: Path) -> None:
    for _ in range(1800):
        if process.poll() is not None:
            raise RuntimeError(f"the API did not start: {log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API did not answer within three minutes")


@contextmanager
def _process(argv: list[str], env: dict[str, str], log: Path, root: Path = ROOT) -> Iterator[subprocess.Popen]:
    with open(log, "ab") as out:  # a file, not a pipe: a pipe nobody reads would stop the process once full
        process = subprocess.Popen(argv, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=out)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def http_server(url: str, data_dir: Path, secrets: dict[str, str], *, workers: int = 1, redis_url: str | None = None,
                py_spy: Path | None = None, root: Path = ROOT) -> Iterator[Served]:
    """The API under uvicorn on loopback (``workers`` processes). Without ``redis_url`` the
    workers run inside the API process (the embedded default, here on PostgreSQL); with it a
    ``leerroute worker`` process of its own consumes the API's messages."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "LEERROUTE_DATA_DIR": str(data_dir), **secrets}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        worker_memory = None
        if redis_url:
            worker = stack.enter_context(_process([sys.executable, "-m", "leerroute.cli", "worker", "--no-policies"], env,
                                                  data_dir / "worker.log", root))
            worker_memory = Memory(worker.pid)
        argv = [sys.executable, "-m", "bench.server", "--port", str(port), "--workers", str(workers)]
        server = stack.enter_context(_process(argv, env, data_dir / "api.log", root))
        _wait_until_up(server, base, data_dir / "api.log")
        if py_spy is not None:
            spy = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--gil", "-r", "100", "-f", "raw",
                 "-o", str(py_spy), "--pid", str(server.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)

            def stop_spy() -> None:  # py-spy writes its file when interrupted
                spy.send_signal(2)
                spy.wait(timeout=60)

            stack.callback(stop_spy)
        served = Served(base, Memory(server.pid), worker_memory)
        yield served
        served.memory.note_peak()
        if served.worker_memory is not None:
            served.worker_memory.note_peak()


# --- load ------------------------------------------------------------------------------------------


@dataclass
class PageTimings:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    elapsed: float = 0.0


def token(tokens, role: Role, organisation: str) -> str:
    return tokens.issue(subject="bench", role=role, organisation=organisation, now=datetime.now(UTC), ttl=timedelta(hours=2))


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_sign_in(http: httpx.Client, municipality: str) -> None:
    """The development sign-in of the console, as a browser does it: the page, then its form."""
    page = http.get("/console/aanmelden")
    found = CSRF.search(page.text)
    if found is None:
        raise RuntimeError(f"no sign-in form on the console ({page.status_code})")
    answer = http.post("/console/aanmelden/ontwikkeling", data={
        "csrf_token": found.group(1), "rol": "klantmanager", "organisatie": municipality, "naam": "bench-km"})
    if answer.status_code != 303:
        raise RuntimeError(f"the console's sign-in answered {answer.status_code}: {answer.text[:300]}")


def page_timings(base: str, tokens, municipality: str, trajectory_id: Any, seconds: float) -> PageTimings:
    """One client, alternating: the console's worklist and trajectory page (signed in) and the
    API's worklist and history of the same trajectory (a bearer token), for ``seconds``."""
    reads = {
        "console worklist": ("console", "/console/werklijst"),
        "console trajectory page": ("console", f"/console/trajecten/{trajectory_id}"),
        "API worklist": ("api", "/v1/worklist"),
        "API trajectory history": ("api", f"/v1/trajectories/{trajectory_id}/history"),
    }
    timings = PageTimings({name: [] for name in reads})
    bearer = {"Authorization": f"Bearer {token(tokens, Role.KLANTMANAGER, municipality)}"}
    with httpx.Client(base_url=base, timeout=60) as console, httpx.Client(base_url=base, headers=bearer, timeout=60) as api:
        console_sign_in(console, municipality)
        clients = {"console": console, "api": api}
        for kind, path in reads.values():  # warm, and check that every page answers
            answer = clients[kind].get(path)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            for name, (kind, path) in reads.items():
                t0 = time.perf_counter()
                clients[kind].get(path).raise_for_status()
                timings.latencies[name].append(time.perf_counter() - t0)
        timings.elapsed = time.perf_counter() - start
    return timings


# --- the figures of leerroute bench -------------------------------------------------------------------


def http_figures(container, url: str, data_dir: Path, floor: float, *, clients: tuple[int, ...], seconds: float,
                 trajectory_id: Any, municipality: str, processes: int = 1, redis_url: str | None = None,
                 echo: Callable[[str], None] = print, first_number: int = 1_000_000) -> list[Any]:
    """Commands over HTTP, the console's pages and the API process's memory with the workers in
    the API process; with ``redis_url`` also 32 clients, the read models' visibility and the
    memory with a worker process of its own (the production layout)."""
    from bench.run import SECRETS, Figure, build_container, ms, percentile, visibility
    from bench.workload import HttpRoutes

    figures: list[Figure] = []

    def add(figure: Figure, extra: str = "") -> None:
        figures.append(figure)
        echo(figure.line() + extra)

    def commands(served: Served, http: HttpRoutes, n: int, label: str) -> None:
        cpu = cpu_seconds(served.memory.pid)
        timings = http.run_for(n, seconds)
        cpu_ms = ms(cpu_seconds(served.memory.pid) - cpu) / max(1, len(timings.latencies))
        detail = {"clients": n, "p50Ms": round(ms(percentile(timings.latencies, 0.5)), 3),
                  "p99Ms": round(ms(percentile(timings.latencies, 0.99)), 3), "errors": timings.errors,
                  "serverCpuMsPerCommand": round(cpu_ms, 2), "processes": processes, "dropped": timings.dropped}
        add(Figure(f"commands over HTTP, {n} client{'s' if n > 1 else ''}{label}", timings.rate, "cmd/s", floor, "raw INSERT",
                   "commands over HTTP", detail),
            f"  p50 {detail['p50Ms']:.1f} ms p99 {detail['p99Ms']:.1f} ms, API CPU {cpu_ms:.1f} ms/cmd"
            + (f"; {timings.errors} errors, first: {timings.dropped[0]}" if timings.dropped else ""))

    def memory(name: str, used: Memory) -> None:
        add(Figure(f"peak RSS of {name}", used.peak_kb / 1024, "MB", used.idle_kb / 1024, "after start", "memory", used.as_dict()))

    with http_server(url, data_dir, SECRETS, workers=processes) as served:
        http = HttpRoutes(served.base, container.tokens, first_number=first_number)
        http.run_for(1, 1.0)  # warm the server
        served.memory.note_idle()
        for n in clients:
            commands(served, http, n, "")
        pages = page_timings(served.base, container.tokens, municipality, trajectory_id, seconds)
        p50 = {name: ms(percentile(values, 0.5)) for name, values in pages.latencies.items()}
        for console, api in (("console worklist", "API worklist"), ("console trajectory page", "API trajectory history")):
            add(Figure(f"{console} p50 (signed in)", p50[console], "ms", p50[api], f"{api} p50", "console page",
                       {"p99Ms": round(ms(percentile(pages.latencies[console], 0.99)), 3),
                        "apiP99Ms": round(ms(percentile(pages.latencies[api], 0.99)), 3)}))
    memory("the API process (workers inside)", served.memory)
    if not redis_url:
        echo("  no --redis-url: the figures with a worker process of its own are left out")
        return figures

    with http_server(url, data_dir, SECRETS, workers=processes, redis_url=redis_url) as served:
        assert served.worker_memory is not None
        http.base_url = served.base
        http.run_for(1, 1.0)
        served.memory.note_idle()
        served.worker_memory.note_idle()
        commands(served, http, max(clients), ", worker process")
        writer = build_container(url, data_dir, redis_url)  # its writes reach the worker process through Redis
        writer.projections.catch_up()
        writes, visible = visibility(writer, seconds, client=41, first_number=first_number + 7_500_000)
        add(Figure("read-model visibility p99, worker process (Redis)", ms(percentile(visible, 0.99)), "ms",
                   ms(percentile(writes, 0.99)), "write p99", "visibility p99",
                   {"samples": len(visible), "visibleP50Ms": round(ms(percentile(visible, 0.5)), 3),
                    "writeP50Ms": round(ms(percentile(writes, 0.5)), 3)}))
    memory("the API process (workers apart)", served.memory)
    memory("the worker process", served.worker_memory)
    return figures


# --- alone -----------------------------------------------------------------------------------------


def main() -> None:
    import argparse
    import tempfile

    from bench import run as bench_run
    from bench.generator import LARGEST
    from bench.workload import HttpRoutes

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="leerroute_bench", help="a database leerroute bench left behind")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--processes", type=int, default=1, help="uvicorn worker processes of the API")
    parser.add_argument("--redis-url", default=None, help="a separate worker process on this Redis")
    parser.add_argument("--py-spy", type=Path, default=None, help="record the server with py-spy into this file")
    parser.add_argument("--pages", action="store_true", help="also the console's pages")
    parser.add_argument("--server-root", type=Path, default=ROOT, help="serve the API of another checkout (to compare)")
    parser.add_argument("--visibility", action="store_true", help="also the read models' visibility after a write (with --redis-url: in the worker process)")
    args = parser.parse_args()

    from sqlalchemy.engine import make_url

    url = make_url(bench_run.server_url()).set(database=args.database).render_as_string(hide_password=False)
    data_dir = Path(tempfile.mkdtemp(prefix="leerroute-bench-http-"))
    container = bench_run.build_container(url, data_dir)
    floor, _ = bench_run.raw_insert_rate(url, 3.0)
    print(f"raw INSERT {floor:,.0f}/s")
    with http_server(url, data_dir, bench_run.SECRETS, workers=args.processes, redis_url=args.redis_url, py_spy=args.py_spy,
                     root=args.server_root) as served:
        http = HttpRoutes(served.base, container.tokens, first_number=int(time.time()) % 1_000_000 * 20 + 2_000_000)
        http.run_for(1, 1.0)
        served.memory.note_idle()
        if served.worker_memory is not None:
            served.worker_memory.note_idle()
        for clients in args.clients:
            cpu = cpu_seconds(served.memory.pid)
            t = http.run_for(clients, args.seconds)
            cpu = cpu_seconds(served.memory.pid) - cpu
            p = bench_run.percentile
            print(f"{clients:>3} clients: {t.rate:7.1f} cmd/s  ratio {t.rate / floor:.3f}  p50 {p(t.latencies, 0.5) * 1000:6.1f} ms"
                  f"  p99 {p(t.latencies, 0.99) * 1000:6.1f} ms  server CPU {cpu / len(t.latencies) * 1000:.1f} ms/cmd  errors {t.errors}")
        if args.visibility:
            writer = bench_run.build_container(url, data_dir, args.redis_url)
            if not args.redis_url:
                writer.workers.start(policies=False)
            writer.projections.catch_up()
            writes, visible = bench_run.visibility(writer, args.seconds, client=43, first_number=http.number + 5_000_000)
            writer.workers.stop()
            p = bench_run.percentile
            print(f"visibility p50 {p(visible, 0.5) * 1000:.1f} ms p99 {p(visible, 0.99) * 1000:.1f} ms; write p50 "
                  f"{p(writes, 0.5) * 1000:.1f} ms p99 {p(writes, 0.99) * 1000:.1f} ms; ratio {p(visible, 0.99) / p(writes, 0.99):.2f}")
        if args.pages:
            trajectory = bench_run.first_trajectory(url, LARGEST[0])
            pages = page_timings(served.base, container.tokens, LARGEST[0], trajectory, args.seconds)
            for name, values in pages.latencies.items():
                print(f"{name:<28} p50 {bench_run.percentile(values, 0.5) * 1000:6.1f} ms  p99 {bench_run.percentile(values, 0.99) * 1000:6.1f} ms")
    print("API memory", served.memory.as_dict())
    if served.worker_memory is not None:
        print("worker memory", served.worker_memory.as_dict())
    asyncio.run(asyncio.sleep(0))


if __name__ == "__main__":
    main()
