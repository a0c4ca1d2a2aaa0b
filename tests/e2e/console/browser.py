"""The console's browser-test tools: headless Chromium (Debian's package) driven by Playwright,
axe-core injected into each page, the keyboard walk, screenshots for the README."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
# Screenshots for the README are taken when LEERROUTE_CONSOLE_SCREENSHOTS names a folder
# (``LEERROUTE_CONSOLE_SCREENSHOTS=docs/console ./dev test tests/e2e/console``).
SCREENSHOTS = os.environ.get("LEERROUTE_CONSOLE_SCREENSHOTS")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form token"
    return match.group(1)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands (WCAG 2.1 A and AA)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


_CONTROLS = """() => Array.from(document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea'
)).filter(e => e.offsetParent !== null && !e.disabled).map((e, i) => {
  e.dataset.walk = String(i); return e.outerHTML.slice(0, 160); })"""

_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  return {index: e.dataset.walk === undefined ? -1 : Number(e.dataset.walk), html: e.outerHTML.slice(0, 160), visible};
}"""


def keyboard_walk(page: Any) -> None:
    """Tab through the page from its top: every visible link and form control is reached, each
    with a visible focus indicator."""
    controls = page.evaluate(_CONTROLS)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: list[int] = []
    # A date field takes a Tab per part (day, month, year): the same element several times over.
    for _ in range(4 * len(controls) + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            break
        assert focused["visible"], f"no visible focus on {focused['html']}"
        if reached and focused["index"] == reached[-1]:
            continue
        if focused["index"] in reached:
            break
        reached.append(focused["index"])
    missing = [c for i, c in enumerate(controls) if i not in reached]
    assert not missing, f"the keyboard does not reach: {json.dumps(missing, ensure_ascii=False)}"


def check_page(page: Any) -> None:
    """Every page the tests visit: no serious or critical axe violation, usable by keyboard."""
    page.wait_for_load_state()  # a page reached by a click may still be loading
    violations = axe_violations(page)
    assert not violations, f"{page.url}: {json.dumps(violations, ensure_ascii=False, indent=1)}"
    keyboard_walk(page)


def screenshot(page: Any, name: str) -> None:
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
