"""The municipalities and their labour-market regions (arbeidsmarktregio's), with validity dates.

A municipality (CBS code ``GMxxxx``) exists for a period; one dissolved by a merger (herindeling)
names its successor from the day after it ended. A route keeps the code it was registered under
(its events never change), and reads count it under the region of that code's successor as it
stands now, so a merger moves no route out of its region's figures. Each region has one
centrumgemeente (its coordinating municipality). The mapping itself is data
(``leerroute/regions.csv``); this module holds its rules and checks it is whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidField

UNMAPPED = "onbekend"  # the region of a code the mapping does not know (routes from before it)


@dataclass(frozen=True)
class MunicipalityPeriod:
    """A municipality code valid from ``valid_from`` (``None``: since before the records) up to,
    not including, ``valid_to`` (``None``: still); then it merged into ``successor``."""

    code: str
    region: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    successor: str | None = None
    centre: bool = False

    def valid_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on < self.valid_to)


class InvalidMapping(ValueError):
    """The mapping breaks one of its invariants (the message says which)."""


class Municipalities:
    """Which municipality codes exist on a date, and the region each code's routes count under."""

    def __init__(self, periods: Iterable[MunicipalityPeriod]):
        self._periods: dict[str, list[MunicipalityPeriod]] = {}
        for period in periods:
            self._periods.setdefault(period.code, []).append(period)
        self._check()
        self._counted = {code: self._region_now(code) for code in self._periods}

    @property
    def periods(self) -> list[MunicipalityPeriod]:
        return [p for code in sorted(self._periods) for p in self._periods[code]]

    def current(self) -> list[str]:
        """The codes that exist today (no end date), in order."""
        return sorted(code for code, periods in self._periods.items() if any(p.valid_to is None for p in periods))

    def knows(self, code: str) -> bool:
        return code in self._periods

    def valid_on(self, code: str, on: date) -> bool:
        return any(p.valid_on(on) for p in self._periods.get(code, ()))

    def successor_of(self, code: str) -> str:
        """The code that carries ``code`` today: itself, or the end of its chain of mergers."""
        return self._follow(code)

    def region_of(self, code: str) -> str:
        """The region whose figures a route registered under ``code`` counts in: the current region
        of the code's successor; ``UNMAPPED`` for a code the mapping does not know."""
        return self._counted.get(code, UNMAPPED)

    def counted_regions(self) -> dict[str, str]:
        """Every code the mapping knows, with the region its routes count under."""
        return dict(self._counted)

    def regions(self) -> list[str]:
        """The regions, in order."""
        return sorted({p.region for periods in self._periods.values() for p in periods if p.region and p.valid_to is None})

    def centres(self) -> dict[str, str]:
        """Each region's centrumgemeente."""
        return {p.region: p.code for periods in self._periods.values() for p in periods
                if p.centre and p.region and p.valid_to is None}

    def members(self, region: str) -> list[str]:
        """The current municipalities of a region."""
        return [code for code in self.current() if self._region_now(code) == region]

    def check_registration(self, code: str, on: date) -> None:
        """A route is registered under a municipality that exists on its registration date."""
        if not self.knows(code):
            raise InvalidField("municipality", f"{code} is not a Dutch municipality code the mapping knows")
        if not self.valid_on(code, on):
            periods = self._periods[code]
            ended = [p for p in periods if p.valid_to is not None and p.valid_to <= on and p.successor]
            if ended:
                last = max(ended, key=lambda p: p.valid_to or date.min)
                raise InvalidField(
                    "municipality",
                    f"{code} merged into {last.successor} on {last.valid_to}; register under {last.successor}",
                )
            raise InvalidField("municipality", f"{code} did not exist on {on}")

    # --- the invariants ---------------------------------------------------------------------

    def _region_now(self, code: str) -> str:
        successor = self.successor_of(code)
        regions = [p.region for p in self._periods.get(successor, ()) if p.valid_to is None and p.region]
        return regions[0] if regions else UNMAPPED

    def _check(self) -> None:
        for code, periods in self._periods.items():
            open_ended = [p for p in periods if p.valid_to is None]
            if len(open_ended) > 1:
                raise InvalidMapping(f"{code} has more than one period without an end")
            for p in periods:
                if p.valid_from is not None and p.valid_to is not None and p.valid_from >= p.valid_to:
                    raise InvalidMapping(f"{code} ends ({p.valid_to}) before it starts ({p.valid_from})")
                if p.valid_to is None and not p.region:
                    raise InvalidMapping(f"{code} exists today but has no region")
                if p.successor is not None:
                    if p.valid_to is None:
                        raise InvalidMapping(f"{code} names a successor but no date it ended")
                    if p.successor not in self._periods:
                        raise InvalidMapping(f"{code} merged into {p.successor}, which the mapping does not know")
                    if not any(s.valid_on(p.valid_to) for s in self._periods[p.successor]):
                        raise InvalidMapping(f"{code}'s successor {p.successor} does not exist on {p.valid_to}")
                if p.centre and p.valid_to is not None:
                    raise InvalidMapping(f"{code} is a centrumgemeente but no longer exists")
            ordered = sorted(periods, key=lambda p: p.valid_from or date.min)
            for earlier, later in itertools.pairwise(ordered):
                if earlier.valid_to is None or (later.valid_from or date.min) < earlier.valid_to:
                    raise InvalidMapping(f"{code} has overlapping periods")
        for code in self._periods:
            self._follow(code)
        centres: dict[str, list[str]] = {}
        for periods in self._periods.values():
            for p in periods:
                if p.centre and p.region:
                    centres.setdefault(p.region, []).append(p.code)
        for region in {p.region for ps in self._periods.values() for p in ps if p.region and p.valid_to is None}:
            found = centres.get(region, [])
            if len(found) != 1:
                raise InvalidMapping(f"region {region} has {len(found)} centrumgemeenten, not one")

    def _follow(self, code: str) -> str:
        seen = {code}
        while True:
            periods = self._periods.get(code, [])
            ended = [p for p in periods if p.successor is not None]
            if not ended or any(p.valid_to is None for p in periods):
                return code
            code = max(ended, key=lambda p: p.valid_to or date.min).successor or code
            if code in seen:
                raise InvalidMapping(f"the mergers of {code} go round in a circle")
            seen.add(code)
