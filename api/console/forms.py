"""Forms of the console: what a form asks (fields as data), reading a posted form into values,
and handing the command it builds to the service with the form's own idempotency key.

Each rendered form carries a fresh key (``form_key``), so a form posted twice (a double click,
the back button) is one request to ``Service.handle`` and records its step once. Errors come back
as messages per field, in Dutch: a field that cannot be read, and the domain's ``InvalidField``
and ``RuleViolation`` placed next to the field they concern, or above the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from api.console import labels
from domain.commands import Command
from domain.errors import Forbidden, Ineligible, InvalidField, NotFound, RuleViolation
from domain.values import validate_bsn, validate_kvk
from leerroute.errors import ConcurrentWriteConflict, IdempotencyKeyReused, VersionMismatch
from leerroute.handlers import Outcome
from leerroute.service import Service

FORM_KEY = "form_key"
GENERAL = "_form"  # errors that belong to the form as a whole


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, int, euros, choice, bsn, kvk, uuid, confirm (a checkbox)
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    hint: str | None = None


@dataclass(frozen=True)
class Form:
    """A form: its fields, the command it builds from their values, and where the domain's
    field names and rules show up on it."""

    title: str
    fields: tuple[Field, ...]
    build: Callable[..., Command]
    submit: str = "Vastleggen"
    # The domain's names (InvalidField.name, RuleViolation.rule) → the form field they concern.
    places: Mapping[str, str] = field(default_factory=dict)
    intro: str | None = None


DATE_RULES = ("no-future-dates", "not-before-registration", "answer-after-proposal", "contract-after-proposal",
              "benefit-changes-in-order", "check-in-after-issue", "end-after-start", "date", "on")

_EUROS = re.compile(r"^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$")


class Invalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def read(form: Form, posted: Mapping[str, Any]) -> dict[str, Any]:
    """The posted values, typed; ``Invalid`` with a message per field that cannot be right."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        raw = posted.get(f.name)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            if f.required:
                errors[f.name] = {"choice": "Maak een keuze.", "confirm": "Bevestig dit om door te gaan."}.get(f.kind, "Vul dit veld in.")
            values[f.name] = None
            continue
        try:
            values[f.name] = _value(f, text)
        except ValueError as error:
            errors[f.name] = str(error)
    if errors:
        raise Invalid(errors)
    return values


def _value(f: Field, text: str) -> Any:
    if f.kind == "date":
        try:
            return date.fromisoformat(text) if len(text) == 10 else _bad("Vul een datum in, zoals 2026-01-31.")
        except ValueError:
            _bad("Vul een datum in, zoals 2026-01-31.")
    if f.kind == "int":
        if not text.isdigit() or len(text) > 6:
            _bad("Vul een heel getal in.")
        return int(text)
    if f.kind == "euros":
        match = _EUROS.match(text)
        if match is None:
            return _bad("Vul een bedrag in euro's in, zoals 1250,00.")
        return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if f.kind == "choice":
        if text not in dict(f.choices):
            _bad("Kies een van de mogelijkheden.")
        return text
    if f.kind == "uuid":
        try:
            return UUID(text)
        except ValueError:
            _bad("Vul het nummer in zoals leerroute het toont, zoals 7f3c7c52-1bd1-4c3e-9a39-1a4b3c2d1e0f.")
    if f.kind == "confirm":
        if text != "ja":
            _bad("Bevestig dit om door te gaan.")
        return True
    if f.kind == "bsn":
        try:
            return validate_bsn(text)
        except ValueError:
            _bad("Een BSN is negen cijfers en voldoet aan de elfproef.")
    if f.kind == "kvk":
        try:
            return validate_kvk(text)
        except ValueError:
            _bad("Een KvK-nummer is acht cijfers.")
    if len(text) > (2000 if f.kind == "textarea" else 200):
        _bad("Deze tekst is te lang.")
    return text


def _bad(message: str) -> Any:
    raise ValueError(message)


def new_key() -> str:
    return uuid4().hex


def handle(service: Service, form: Form, build: Callable[[], Command], key: str, trace_id: str) -> Outcome:
    """Build the form's command and run it; ``Invalid`` with the message in words where the
    domain refuses it (building it already checks some of its values)."""
    try:
        return service.handle(build(), idempotency_key=key or None, trace_id=trace_id)
    except Ineligible as error:
        raise Invalid({GENERAL: f"Dit kan (nog) niet worden gedeclareerd: {labels.CONDITIONS.get(error.condition, error.detail)}."}
                      ) from None
    except InvalidField as error:
        place = form.places.get(error.name) or _date_place(form, error.name)
        raise Invalid({place: _field_message(error)}) from None
    except RuleViolation as error:
        place = form.places.get(error.rule) or _date_place(form, error.rule)
        raise Invalid({place: labels.RULES.get(error.rule, f"Dit kan niet: {error.detail}")}) from None
    except NotFound:
        raise Invalid({GENERAL: "Dit bestaat niet (meer), of u heeft er geen toegang toe."}) from None
    except Forbidden:
        raise Invalid({GENERAL: "U mag deze stap niet vastleggen."}) from None
    except IdempotencyKeyReused:
        raise Invalid({GENERAL: "Dit formulier is al eens verstuurd met andere gegevens. Open het formulier opnieuw."}) from None
    except (ConcurrentWriteConflict, VersionMismatch):
        raise Invalid({GENERAL: "Iemand anders legde tegelijk iets vast. Probeer het opnieuw."}) from None


def _date_place(form: Form, name: str) -> str:
    if name in DATE_RULES and any(f.name == "datum" for f in form.fields):
        return "datum"
    return GENERAL


def _field_message(error: InvalidField) -> str:
    return labels.FIELDS.get(error.name) or labels.RULES.get(error.name) or f"Deze waarde kan niet kloppen ({error.reason})."
