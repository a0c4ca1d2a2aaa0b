"""The API for the HTTP benchmark: uvicorn on loopback without access logging; the workers in
this process (the embedded default, here on PostgreSQL) unless ``REDIS_URL`` is set. The time
policies do not run here: their first run at start-up, over the whole population, would be a
load of its own while the benchmark measures."""

from __future__ import annotations

import argparse
import logging

import uvicorn
from fastapi import FastAPI

from api.main import app_from_environment


def app() -> FastAPI:
    return app_from_environment(policies=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run("bench.server:app", factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
