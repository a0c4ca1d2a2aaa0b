"""The money digests' encoding: a list of events as compact JSON, with dates, datetimes, UUIDs
and tuples kept apart from plain strings and lists, so that a digest decodes to exactly the
events it was made of."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from domain.money import LoggedEvent


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int)):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, UUID):
        return {"$u": str(value)}
    if isinstance(value, tuple):
        return {"$t": [_encode_value(v) for v in value]}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise TypeError(f"a money digest cannot hold the keys {list(value)!r}")
        return {k: _encode_value(v) for k, v in value.items()}
    raise TypeError(f"a money digest cannot hold {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$d": date.fromisoformat,
    "$dt": datetime.fromisoformat,
    "$u": UUID,
    "$t": tuple,
}


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, value),) = obj.items()
        decoder = _DECODERS.get(key)
        if decoder is not None:
            return decoder(value)
    return obj


# Values JSON holds as they are (exactly these types: an enum that is also a str or an int is
# encoded by its value, as ``_encode_value`` does).
_PLAIN = frozenset({str, int, bool, float, type(None)})


def _encode_data(data: Any) -> Any:
    """``_encode_value`` of an event's data, without its type tests for the plain values."""
    if type(data) is not dict:
        return _encode_value(data)
    for key in data:
        if not isinstance(key, str) or key.startswith("$"):
            raise TypeError(f"a money digest cannot hold the keys {list(data)!r}")
    return {k: v if type(v) in _PLAIN else _encode_value(v) for k, v in data.items()}


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode_events(events: Iterable[LoggedEvent]) -> str:
    """Events as a digest holds them: a JSON list of [name, on, recorded_at, data]."""
    return _ENCODER.encode(
        [[e.name, e.on.isoformat() if e.on else None, e.recorded_at.isoformat(), _encode_data(e.data)] for e in events]
    )


def decode_events(text: str) -> list[LoggedEvent]:
    return [
        LoggedEvent(name, date.fromisoformat(on) if on else None, datetime.fromisoformat(recorded_at), data)
        for name, on, recorded_at, data in json.loads(text, object_hook=_decode_object)
    ]


def append_events(text: str, more: str) -> str:
    """Two encoded lists as one, without decoding either."""
    if more == "[]":
        return text
    if text == "[]":
        return more
    return f"{text[:-1]},{more[1:]}"
