"""A trajectory's money and a municipality's or fund's report read only the part of the log they
need, and give exactly the figures the whole log gives, also while the read models lag behind.

The population: municipalities A (Groot Amsterdam), B (Rijnmond), C and D (Haaglanden). A and B
each pay start financing on registration. Fund X pays under X1 (for municipality A, later C
instead) and X2 (the region Rijnmond); fund Y under Y1, which names no place. Claims under each,
benefits stopped and reduced. Then, with the projections not caught up: a new trajectory in A, a
new regional agreement of X (Haaglanden) with a claim under it, a benefit change and a payment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.clock import FixedClock
from adapters.money.digests import money_event
from adapters.money.log import decode_log, read_scoped_log
from domain.money import MoneyScope
from tests.conftest import TODAY, Tokens, own_database, registration, test_settings

A, B, C, D = "GM0363", "GM0599", "GM0518", "GM0503"
X, Y = "OO-X", "OO-Y"
AS_OF = [None, "2025-03-31", "2025-09-30", "2026-06-30"]


class Population:
    def __init__(self, container) -> None:
        from api.main import create_app

        self.container = container
        self.client = TestClient(create_app(container, run_worker=False))
        tokens = Tokens(container)
        self.km = {m: tokens.klantmanager(m) for m in (A, B, C, D)}
        self.fund = {f: tokens.headers("fund", f) for f in (X, Y)}
        self.procesregie = tokens.headers("procesregie", "APT")
        self.trajectories: dict[str, list[str]] = {m: [] for m in (A, B, C, D)}
        self.claims: dict[str, tuple[str, str]] = {}  # claim -> (agreement, trajectory)

    def post(self, path: str, body: dict, headers: dict) -> dict:
        response = self.client.post(path, json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def agreement(self, headers: dict, amount: int, **terms: list[str]) -> str:
        return self.post("/v1/financing-agreements", {
            "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2024-12-01",
            "terms": {"amountCents": amount, **terms},
        }, headers)["id"]

    def register(self, municipality: str, on: str) -> str:
        trajectory = self.post("/v1/trajectories", registration(registered_on=on), self.km[municipality])["id"]
        self.trajectories[municipality].append(trajectory)
        return trajectory

    def claim(self, agreement: str, trajectory: str, municipality: str, filed: str, payer: dict | None = None,
              paid: str | None = None) -> str:
        claim = self.post("/v1/claims", {"agreementId": agreement, "trajectoryId": trajectory, "filedOn": filed},
                          self.km[municipality])["id"]
        self.claims[claim] = (agreement, trajectory)
        self.post(f"/v1/claims/{claim}/approval", {"date": filed}, payer or self.km[municipality])
        if paid:
            self.post(f"/v1/claims/{claim}/payment", {"date": paid}, payer or self.km[municipality])
        return claim

    def benefit(self, municipality: str, trajectory: str, on: str, kind: str, cents: int | None = None) -> None:
        body = {"date": on, "kind": kind, **({"monthlyAmountCents": cents} if cents else {})}
        self.post(f"/v1/trajectories/{trajectory}/benefit-changes", body, self.km[municipality])

    def callers(self) -> dict[str, dict]:
        return {"km-A": self.km[A], "km-B": self.km[B], "km-C": self.km[C], "fund-X": self.fund[X],
                "fund-Y": self.fund[Y], "procesregie": self.procesregie}


def build_population(p: Population) -> dict[str, str]:
    ids = {
        "A1": p.agreement(p.km[A], 100_000),
        "B1": p.agreement(p.km[B], 110_000),
        "X1": p.agreement(p.fund[X], 200_000, municipalities=[A]),
        "X2": p.agreement(p.fund[X], 210_000, regions=["Rijnmond"]),
        "Y1": p.agreement(p.fund[Y], 50_000),
    }
    # X1 covers C instead of A from July 2025: its place restriction across its history is {A, C}.
    p.post(f"/v1/financing-agreements/{ids['X1']}/terms",
           {"effectiveFrom": "2025-07-01", "amountCents": 220_000, "municipalities": [C]}, p.fund[X])
    months = ["2025-01-06", "2025-02-03", "2025-05-05", "2025-08-04"]
    for i, on in enumerate(months):
        for m in (A, B, C, D):
            if m == D and i % 2:
                continue
            p.register(m, on)
    a, b, c, d = (p.trajectories[m] for m in (A, B, C, D))
    p.claim(ids["A1"], a[0], A, "2025-01-10", paid="2025-01-20")
    p.claim(ids["X1"], a[0], A, "2025-01-11", payer=p.fund[X], paid="2025-02-01")
    p.claim(ids["X1"], c[3], C, "2025-08-10", payer=p.fund[X])
    p.claim(ids["B1"], b[1], B, "2025-02-10")
    p.claim(ids["X2"], b[1], B, "2025-02-11", payer=p.fund[X], paid="2025-03-01")
    p.claim(ids["Y1"], d[0], D, "2025-01-12", payer=p.fund[Y], paid="2025-02-15")
    p.claim(ids["Y1"], a[2], A, "2025-05-12", payer=p.fund[Y])
    p.benefit(A, a[0], "2025-03-01", "stopped")
    p.benefit(A, a[1], "2025-04-01", "reduced", 60_000)
    p.benefit(B, b[0], "2025-02-01", "stopped")
    p.benefit(C, c[0], "2025-06-01", "stopped")
    return ids


def compare(p: Population, monkeypatch: pytest.MonkeyPatch, moments: list[dict]) -> None:
    """Every caller's report and every trajectory's money, scoped and from the whole log."""
    import leerroute.money_queries

    def fetch() -> dict:
        seen = {}
        for name, headers in p.callers().items():
            for i, params in enumerate(moments):
                response = p.client.get("/v1/money/reports", params=params, headers=headers)
                assert response.status_code == 200, response.text
                seen[name, "report", tuple(params.items())] = response.json()
                if 0 < i < len(moments) - 1:
                    continue  # each trajectory's money: today's, and the last moment's
                for trajectory in (t for ts in p.trajectories.values() for t in ts):
                    response = p.client.get(f"/v1/trajectories/{trajectory}/money", params=params, headers=headers)
                    seen[name, trajectory, tuple(params.items())] = (response.status_code, response.json())
        return seen

    scoped = fetch()
    with monkeypatch.context() as m:
        # The whole log decoded, and the savings derived from it, not read from the month aggregates.
        m.setattr(leerroute.money_queries, "read_scoped_log", lambda store, url, scope, **_: decode_log(store))
        m.setattr(leerroute.money_queries, "savings_aggregated", lambda baseline: False)
        whole = fetch()
    assert scoped.keys() == whole.keys()
    for key in scoped:
        assert scoped[key] == whole[key], key
    # The comparison is not an empty one: the callers see lines, and different ones.
    reports = {name: scoped[name, "report", ()] for name in p.callers()}
    for name, report in reports.items():
        assert report["municipalities"] or report["funds"], name
    assert reports["km-A"] != reports["km-B"] != reports["fund-X"] != reports["fund-Y"]
    assert sum(1 for k, v in scoped.items() if k[1] != "report" and v[0] == 200 and v[1]["lines"]) > 10


def test_scoped_money_equals_the_whole_log_for_every_caller_also_while_the_read_models_lag(tmp_path, monkeypatch):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        p = Population(container)
        ids = build_population(p)
        container.projections.catch_up()
        known = datetime.now(UTC).isoformat()

        # Written after the projections' position: the tail the read models do not know yet.
        late = p.register(A, "2025-09-01")
        ids["X3"] = p.agreement(p.fund[X], 230_000, regions=["Haaglanden"])
        p.claim(ids["X3"], p.trajectories[D][0], D, "2025-09-15", payer=p.fund[X])
        p.claim(ids["A1"], late, A, "2025-09-02")
        p.benefit(A, p.trajectories[A][2], "2025-09-01", "stopped")
        p.post(f"/v1/claims/{next(c for c, (_, t) in p.claims.items() if t == p.trajectories[C][3])}/payment",
               {"date": "2025-09-20"}, p.fund[X])
        assert container.projections.lowest_position() < container.projections.log_size()

        moments = [{"asOf": day} if day else {} for day in AS_OF] + [{"known": known}, {"asOf": "2025-09-30", "known": known}]
        compare(p, monkeypatch, moments)

        container.projections.catch_up()
        compare(p, monkeypatch, [{}, {"asOf": "2025-06-30"}])


def test_the_scoped_read_touches_only_the_aggregates_in_scope(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        p = Population(container)
        ids = {k: UUID(v) for k, v in build_population(p).items()}
        container.projections.catch_up()
        late = p.register(B, "2025-09-01")  # in the tail only
        ids["X3"] = UUID(p.agreement(p.fund[X], 230_000, regions=["Haaglanden"]))
        tail_claim = p.claim(str(ids["X3"]), p.trajectories[D][0], D, "2025-09-15", payer=p.fund[X])

        app = container.store
        whole = decode_log(app)
        everything = set(whole.trajectories)
        of = {m: {UUID(t) for t in ts} for m, ts in p.trajectories.items()}
        claims = {UUID(c): (UUID(a), UUID(t)) for c, (a, t) in p.claims.items()}

        def read(**scope: object):
            return read_scoped_log(app, url, MoneyScope(**scope))  # type: ignore[arg-type]

        # A municipality: its own trajectories (the tail's too), every agreement, the claims on its trajectories.
        km_b = read(municipality=B)
        assert set(km_b.trajectories) == of[B] and UUID(late) in of[B]
        assert set(km_b.agreements) == set(ids.values())
        assert set(km_b.claims) == {c for c, (_, t) in claims.items() if t in of[B]}

        # Fund X: its agreements X1, X2, X3, their claims, and the trajectories of A, C (X1's terms
        # over time), B (Rijnmond) and D (Haaglanden, X3 in the tail); none of fund Y or A or B alone.
        fund_x = read(fund=X)
        assert set(fund_x.agreements) == {ids["X1"], ids["X2"], ids["X3"]}
        assert set(fund_x.claims) == {c for c, (a, _) in claims.items() if a in fund_x.agreements}
        assert UUID(tail_claim) in fund_x.claims
        assert set(fund_x.trajectories) == of[A] | of[B] | of[C] | of[D] == everything

        # Fund Y's agreement names no place: every trajectory, but only Y's agreement and claims.
        fund_y = read(fund=Y)
        assert set(fund_y.agreements) == {ids["Y1"]}
        assert set(fund_y.claims) == {c for c, (a, _) in claims.items() if a == ids["Y1"]}
        assert set(fund_y.trajectories) == everything

        # One trajectory: its own events, the agreements, its own claims only.
        trajectory = UUID(p.trajectories[A][0])
        one = read(trajectory=trajectory, municipality=A)
        assert set(one.trajectories) == {trajectory}
        assert set(one.claims) == {c for c, (_, t) in claims.items() if t == trajectory} and len(one.claims) == 2
        kept = [e for e in (money_event("trajectory", e) for e in whole.trajectories[trajectory]) if e is not None]
        assert one.trajectories[trajectory] == kept
        for agreement in one.agreements:
            assert one.agreements[agreement] == whole.agreements[agreement]


def test_a_fund_with_place_restricted_agreements_reads_only_the_places_they_name(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        p = Population(container)
        build_population(p)
        container.projections.catch_up()
        of = {m: {UUID(t) for t in ts} for m, ts in p.trajectories.items()}

        fund_x = read_scoped_log(container.store, url, MoneyScope(fund=X))
        # X1 (A, later C) and X2 (Rijnmond: B); D (Haaglanden) has no trajectory X could concern.
        assert set(fund_x.trajectories) == of[A] | of[B] | of[C]
        assert not set(fund_x.trajectories) & of[D]
