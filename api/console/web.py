"""Rendering the console's pages: the Jinja2 environment, the page frame's context (who is signed
in, the form token, a message after a step) and the pages for errors a person can meet."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.console import labels
from api.console.session import CSRF_FIELD, csrf_token, signed_in
from domain.values import Role

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
env = templates.env
env.globals["CSRF_FIELD"] = CSRF_FIELD
env.filters["word"] = labels.word
env.filters["nl"] = labels.word_of
env.filters["euros"] = labels.euros
env.filters["event"] = lambda name: labels.EVENTS.get(name, name)
env.filters["condition"] = lambda name: labels.CONDITIONS.get(name, name)

HOME = {
    Role.KLANTMANAGER: "/console/werklijst",
    Role.EMPLOYER: "/console/werkgever",
    Role.FUND: "/console/fonds",
    Role.PROCESREGIE: "/console/procesregie",
    Role.PRIVACY_OFFICER: "/console/privacy",
}

FLASH = "flash"


def _dutch_date(value: date | None) -> str:
    if value is None:
        return "—"
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]
    return f"{value.day} {months[value.month - 1]} {value.year}"


def _moment(value: datetime | None, timezone: str = "Europe/Amsterdam") -> str:
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(timezone))
    return f"{_dutch_date(local.date())} {local:%H:%M}"


env.filters["datum"] = _dutch_date
env.filters["moment"] = _moment


def flash(request: Request, message: str) -> None:
    """A message shown once, on the next page (after a step was recorded)."""
    request.session[FLASH] = message


# Pages are never stored (they may show personal data), except forms: the back button shows the
# form as it was, with its idempotency key, so posting it again records nothing twice.
NO_STORE = "no-store"
FORM_CACHE = "private, max-age=0"


def render(request: Request, template: str, status_code: int = 200, cache: str = NO_STORE, **context: Any) -> HTMLResponse:
    settings = request.app.state.container.settings
    context.setdefault("title", "leerroute")
    if "session" not in request.scope:  # an error met outside the session middleware
        return templates.TemplateResponse(request, template, {"person": None, "csrf": "", "message": None, **context},
                                          status_code=status_code)
    person = signed_in(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "person": person,
            "home": HOME.get(person.actor.role) if person else None,
            "csrf": csrf_token(request),
            "message": request.session.pop(FLASH, None),
            "timezone": settings.timezone,
            **context,
        },
        status_code=status_code,
        headers={"Cache-Control": cache},
    )


def see_other(url: str) -> Response:
    """After a post: the page to show next (post, redirect, get)."""
    return RedirectResponse(url, status_code=303)


def problem_page(request: Request, status_code: int, title: str, detail: str) -> HTMLResponse:
    return render(request, "problem.html", status_code=status_code, title=title, detail=detail)
