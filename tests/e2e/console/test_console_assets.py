"""The NL Design System CSS the console serves is the npm packages' own, as shipped (so
`./dev serve` needs only Python), and is served with the pages."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.console.browser import HERE

STATIC = HERE.parents[2] / "api" / "console" / "static" / "nlds"
PACKAGES = {
    "utrecht-html.css": HERE / "node_modules" / "@utrecht" / "component-library-css" / "dist" / "html.css",
    "voorbeeld-theme.css": HERE / "node_modules" / "@nl-design-system-unstable" / "voorbeeld-design-tokens" / "dist" / "theme.css",
}


def test_the_served_css_is_the_npm_packages_own():
    for name, source in PACKAGES.items():
        assert source.exists(), f"run npm ci --prefix tests/e2e/console ({source} is missing)"
        assert (STATIC / name).read_bytes() == Path(source).read_bytes(), f"{name} differs from {source}: copy it again"


def test_the_css_is_served(console):
    for name in PACKAGES:
        response = httpx.get(f"{console.url}/static/console/nlds/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
