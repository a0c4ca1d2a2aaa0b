"""Queries on the read models: lists with filters, deterministic order and pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from adapters.database import read_session
from adapters.tables import placement_summaries, trajectory_summaries


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class PageResult:
    rows: list[dict[str, Any]]
    total: int


def _paged(url: str, query: Select, order: list[Any], page: PageRequest) -> PageResult:
    with read_session(url) as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(*order).limit(page.page_size).offset(page.offset)).mappings().all()
    return PageResult([dict(r) for r in rows], total)


def list_trajectories(
    url: str,
    page: PageRequest,
    *,
    municipality: str | None = None,
    stage: str | None = None,
    status: str | None = None,
    target_group: str | None = None,
) -> PageResult:
    t = trajectory_summaries
    query = select(t)
    if municipality is not None:
        query = query.where(t.c.municipality == municipality)
    if stage is not None:
        query = query.where(t.c.stage == stage)
    if status is not None:
        query = query.where(t.c.status == status)
    if target_group is not None:
        query = query.where(t.c.target_group == target_group)
    return _paged(url, query, [t.c.registered_on.desc(), t.c.trajectory_id], page)


def list_placements(
    url: str,
    page: PageRequest,
    *,
    employer_kvk: str | None = None,
    municipality: str | None = None,
    status: str | None = None,
) -> PageResult:
    p = placement_summaries
    query = select(p)
    if employer_kvk is not None:
        query = query.where(p.c.employer_kvk == employer_kvk)
    if municipality is not None:
        query = query.where(p.c.municipality == municipality)
    if status is not None:
        query = query.where(p.c.status == status)
    return _paged(url, query, [p.c.proposed_on.desc(), p.c.placement_id], page)
