"""``leerroute money reconcile``: the money read models re-derived from the whole log (decoded,
not from the digests: the digests are among what is checked), and every difference listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select

from adapters.database import read_session
from adapters.eventstore import EventStore
from adapters.money.codec import decode_events
from adapters.money.digests import digest_municipality, money_event
from adapters.money.log import decode_log
from adapters.money.projection import agreement_row, claim_row, period_rows
from adapters.tables import money_agreements, money_claims, money_digests, money_saving_periods
from domain.savings import SavingsBaseline


def derived_rows(store: EventStore, baseline: SavingsBaseline) -> dict[str, list[dict[str, Any]]]:
    """Every row of the money read models, re-derived from the whole log (decoded, not from the
    digests: the digests are among what is checked)."""
    log = decode_log(store)
    periods: list[dict[str, Any]] = []
    for trajectory_id, events in log.trajectories.items():
        periods.extend(period_rows(trajectory_id, events, baseline))
    digests = []
    for kind, histories in (("trajectory", log.trajectories), ("agreement", log.agreements), ("claim", log.claims)):
        for aggregate_id, history in histories.items():
            kept = [e for e in (money_event(kind, e) for e in history) if e is not None]
            digests.append({
                "aggregate_id": aggregate_id,
                "kind": kind,
                "municipality": digest_municipality(kind, history[0]),
                "version": len(history),
                "events": kept,
            })
    return {
        "money_agreements": [agreement_row(store.repository.get(a)) for a in log.agreements],
        "money_claims": [claim_row(store.repository.get(c)) for c in log.claims],
        "money_saving_periods": periods,
        "money_digests": digests,
    }


_KEYS = {
    "money_agreements": ("agreement_id",),
    "money_claims": ("claim_id",),
    "money_saving_periods": ("trajectory_id", "starts_on"),
    "money_digests": ("aggregate_id",),
}


_TABLES = {
    "money_agreements": money_agreements,
    "money_claims": money_claims,
    "money_saving_periods": money_saving_periods,
    "money_digests": money_digests,
}


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    column: str
    stored: Any
    derived: Any

    def __str__(self) -> str:
        key = "/".join(str(k) for k in self.key)
        return f"{self.table} {key} {self.column}: stored {self.stored!r}, derived from the log {self.derived!r}"


def _normalise(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    return value


def differences(store: EventStore, database_url: str, baseline: SavingsBaseline) -> list[Difference]:
    """Compare the stored money read models with rows re-derived from the log."""
    derived = derived_rows(store, baseline)
    found: list[Difference] = []
    with read_session(database_url) as session:
        for name, table in _TABLES.items():
            keys = _KEYS[name]
            stored = {
                tuple(_normalise(row[k]) for k in keys): dict(row)
                for row in session.execute(select(table)).mappings()
            }
            if table is money_digests:
                for row in stored.values():
                    row["events"] = decode_events(row["events"])
            fresh = {tuple(_normalise(row[k]) for k in keys): row for row in derived[name]}
            for key in sorted(set(stored) | set(fresh), key=str):
                if key not in stored:
                    found.append(Difference(name, key, "(row)", None, "present"))
                elif key not in fresh:
                    found.append(Difference(name, key, "(row)", "present", None))
                else:
                    for column, value in fresh[key].items():
                        if _normalise(stored[key].get(column)) != _normalise(value):
                            found.append(Difference(name, key, column, stored[key].get(column), value))
    return found
