"""What the API's edge (``api.edge.RequestGuard``: token before body, body limit, body timeout)
costs per request: the same requests through the application with and without the guard,
alternating, in one process (ASGI in memory, no sockets, so the guard's share is not hidden by
the network).

    python -m bench.edge [--requests 2000] [--rounds 5]

Three kinds of request, each printed as the ratio of the median time with the guard to without:

- a refused body: a POST whose body fails validation (400), which touches no database: the edge
  and the framework alone;
- a search: ``POST /v1/trajectories/search`` (a keyed-hash lookup and the access log);
- a large body: a 512 KiB body (half the default limit), refused by validation.

Runs on SQLite in a temporary directory (``DATABASE_URL`` is ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from adapters.clock import FixedClock
from api.edge import RequestGuard
from api.main import create_app
from domain.values import Role
from leerroute.bootstrap import build
from leerroute.settings import Settings

TODAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _apps(data_dir: Path) -> tuple[Any, Any, dict[str, str]]:
    values: dict[str, Any] = {
        "LEERROUTE_DATA_DIR": data_dir, "DATABASE_URL": f"sqlite:///{data_dir / 'edge.db'}", "REDIS_URL": None,
        "LEERROUTE_JWT_SECRET": "bench-" + "x" * 40, "LEERROUTE_PSEUDONYM_SECRET": "bench-" + "y" * 40,
        "LEERROUTE_PERSONAL_DATA_SECRET": "bench-" + "p" * 40,
    }
    settings = Settings(**values)
    container = build(settings, clock=FixedClock(TODAY))
    guarded = create_app(container, run_worker=False)
    bare = create_app(container, run_worker=False)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not RequestGuard]  # type: ignore[comparison-overlap]
    token = container.tokens.issue(subject="bench", role=Role.KLANTMANAGER, organisation="GM0363", now=datetime.now(UTC),
                                   ttl=timedelta(hours=1))
    return guarded, bare, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def _time(app: Any, method: str, path: str, body: bytes, headers: dict[str, str], n: int, expected: int) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        started = time.perf_counter()
        for _ in range(n):
            response = await client.request(method, path, content=body, headers=headers)
            assert response.status_code == expected, response.text
        return (time.perf_counter() - started) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leerroute-edge-") as directory:
        guarded, bare, headers = _apps(Path(directory))
        cases = [
            ("a refused body (400)", "/v1/trajectories", b'{"candidate": {}}', 400, args.requests),
            ("a search by BSN", "/v1/trajectories/search", b'{"bsn": "111222333"}', 200, args.requests // 4),
            ("a 512 KiB body (400)", "/v1/trajectories", b'{"x": "' + b"a" * (512 * 1024) + b'"}', 400, args.requests // 10),
        ]
        for label, path, body, expected, n in cases:
            with_guard, without = [], []
            for _ in range(args.rounds):
                with_guard.append(asyncio.run(_time(guarded, "POST", path, body, headers, n, expected)))
                without.append(asyncio.run(_time(bare, "POST", path, body, headers, n, expected)))
            a, b = statistics.median(with_guard), statistics.median(without)
            print(f"{label}: {a * 1e6:.0f} µs with the guard, {b * 1e6:.0f} µs without: ×{a / b:.2f}")


if __name__ == "__main__":
    main()
