"""Showing a form and taking its post: one way for every form of the console.

GET renders the form with a fresh idempotency key and the session's CSRF token; POST checks the
token (without it nothing is read or done), reads the fields, builds the command and hands it to
the service in a worker thread. Bad input and refusals re-render the form with the messages next
to their fields (status 400); success redirects to the next page (post, redirect, get).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.console import forms, web
from api.console.forms import FORM_KEY, Form, Invalid
from api.console.session import SignedIn, posted_fields
from api.deps import trace_id_of
from domain.commands import Command
from leerroute.handlers import Outcome


def show(
    request: Request, form: Form, *, action: str, back: str | None = None, values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None, key: str | None = None, status_code: int = 200, **context: Any,
) -> Response:
    today = request.app.state.container.clock.today()
    filled = {f.name: today.isoformat() for f in form.fields if f.kind == "date" and f.name == "datum"}
    filled.update({k: v for k, v in (values or {}).items() if isinstance(v, str)})
    return web.render(
        request, "form.html", status_code=status_code, cache=web.FORM_CACHE if status_code == 200 else web.NO_STORE, title=form.title, form=form, action=action, back=back,
        values=filled, errors=dict(errors or {}), form_key=key or forms.new_key(), general=forms.GENERAL, **context,
    )


async def take(
    request: Request, person: SignedIn, form: Form, *, action: str, ids: Mapping[str, Any],
    done: Callable[[Outcome], str], back: str | None = None, message: str = "Vastgelegd.", **context: Any,
) -> Response:
    raw = await posted_fields(request)
    key = raw.get(FORM_KEY, "")
    container = request.app.state.container
    trace = trace_id_of(request.scope)

    def run() -> Outcome:
        values = forms.read(form, raw)

        def build() -> Command:
            return form.build(person.actor, values, ids, container.clock.today())

        return forms.handle(container.service, form, build, key, trace)

    try:
        outcome = await run_in_threadpool(run)
    except Invalid as invalid:
        return show(request, form, action=action, back=back, values=raw, errors=invalid.errors, key=key, status_code=400,
                    **context)
    web.flash(request, message)
    return web.see_other(done(outcome))
