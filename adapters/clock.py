"""Clocks: the only place leerroute reads the time, so tests can move it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


@dataclass
class SystemClock:
    """The wall clock; "today" is the calendar date in the municipalities' time zone."""

    timezone: str = "Europe/Amsterdam"

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()


@dataclass
class FixedClock:
    """A clock that stands still until moved; for tests and replays."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.date()

    def move_to(self, moment: datetime) -> None:
        self.current = moment
