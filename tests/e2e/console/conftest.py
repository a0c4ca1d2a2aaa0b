"""Fixtures of the console's browser tests: leerroute on a real uvicorn server on loopback (on
PostgreSQL + Redis with a separate worker process, else the embedded default with the worker in
process), headless Chromium, and a signed-in browser context per person.

A missing browser or missing npm packages fail these tests; they are never skipped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.clock import FixedClock
from tests.conftest import POSTGRES, TODAY, test_settings
from tests.e2e.console.browser import AXE, CHROMIUM, csrf_of

ROOT = Path(__file__).resolve().parents[3]
SEPARATE_WORKER = POSTGRES and bool(os.environ.get("REDIS_URL"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """A bounded poll: ``condition`` must hold within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        pause.wait(0.05)


@dataclass
class Server:
    url: str
    container: Any
    clock: FixedClock


def serve(container: Any) -> Iterator[str]:
    import uvicorn

    from api.main import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(container, run_worker=False), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 30, "the console's server to start")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _worker_env(settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERROUTE_")}
    env.update(
        DATABASE_URL=settings.effective_database_url, REDIS_URL=settings.redis_url or "",
        LEERROUTE_DATA_DIR=str(settings.data_dir), LEERROUTE_JWT_SECRET=settings.effective_jwt_secret,
        LEERROUTE_PSEUDONYM_SECRET=settings.effective_pseudonym_secret,
        LEERROUTE_PERSONAL_DATA_SECRET=settings.effective_personal_data_secret,
        LEERROUTE_CATCH_UP_SECONDS="0.5", PYTHONPATH=str(ROOT),
    )
    return env


# Package scope: the console's separate worker consumes from the run's Redis; it must be gone
# before other tests start workers of their own on it (it would take their messages).
@pytest.fixture(scope="package")
def console(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """leerroute with its console on loopback, on the configured backends."""
    from leerroute.bootstrap import build

    data = Path(tmp_path_factory.mktemp("console"))
    clock = FixedClock(TODAY)
    settings = test_settings(data, database_url)
    container = build(settings, clock=clock)
    worker = None
    if SEPARATE_WORKER:
        log = open(data / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen([sys.executable, "-m", "leerroute.cli", "worker", "--no-policies"],
                                  env=_worker_env(settings), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    else:
        container.workers.start(policies=False)
    try:
        for url in serve(container):
            yield Server(url, container, clock)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        else:
            container.workers.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    assert CHROMIUM.exists(), "the console's browser tests need Debian's chromium package (apt-get install -y chromium chromium-driver)"
    assert AXE.exists(), "the console's browser tests need tests/e2e/console's npm packages (npm ci --prefix tests/e2e/console)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def dev_sign_in(browser: Any, base: str, role: str, organisation: str, name: str) -> Any:
    """A browser context of its own (its own cookies), signed in through the development sign-in."""
    context = browser.new_context(base_url=base, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/")
    assert page.url.endswith("/console/aanmelden")
    page.select_option("#veld-rol", role)
    page.fill("#veld-organisatie", organisation)
    page.fill("#veld-naam", name)
    page.click("button:has-text('Aanmelden')")
    assert "aanmelden" not in page.url, page.content()
    return page


@pytest.fixture
def sign_in(chromium: Any, console: Server) -> Iterator[Callable[..., Any]]:
    pages: list[Any] = []

    def signed_in(role: str, organisation: str, name: str = "tester") -> Any:
        page = dev_sign_in(chromium, console.url, role, organisation, name)
        pages.append(page)
        return page

    yield signed_in
    for page in pages:
        page.context.close()


__all__ = ["Server", "csrf_of", "free_port", "wait_until"]
