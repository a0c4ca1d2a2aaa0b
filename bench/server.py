"""The API for the HTTP benchmark: uvicorn on loopback without access logging, the workers in
this process (the embedded default, here on PostgreSQL)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from api.main import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(create_app(run_worker=True), host="127.0.0.1", port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
