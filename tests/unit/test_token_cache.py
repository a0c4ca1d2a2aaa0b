"""A token's signature is checked once: its caller is kept until the token expires (and at most
the cache's age), for the verifier that checked it, and for a bounded number of tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.tokens import TokenCache, TokenService
from domain.values import Actor, Role

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SERVICE = TokenService("cache-test-" + "k" * 40, "leerroute-dev", "leerroute")
KM = Actor(subject="km", role=Role.KLANTMANAGER, organisation="GM0363")


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def token(minutes: int = 60, subject: str = "km") -> str:
    return SERVICE.issue(subject=subject, role=Role.KLANTMANAGER, organisation="GM0363", now=NOW, ttl=timedelta(minutes=minutes))


def test_a_checked_token_is_known_until_it_expires():
    clock = Clock()
    cache = TokenCache(max_age=3600 * 24, clock=clock)
    t = token(minutes=10)
    assert cache.get(SERVICE, t) is None
    cache.put(SERVICE, t, KM)
    assert cache.get(SERVICE, t) == KM
    clock.now += 9 * 60
    assert cache.get(SERVICE, t) == KM
    clock.now += 61
    assert cache.get(SERVICE, t) is None  # expired: checked again (and refused) by the verifier
    assert len(cache) == 0


def test_an_entry_lasts_at_most_the_caches_age_even_for_a_long_token():
    clock = Clock()
    cache = TokenCache(max_age=300, clock=clock)
    t = token(minutes=600)
    cache.put(SERVICE, t, KM)
    clock.now += 299
    assert cache.get(SERVICE, t) == KM
    clock.now += 2
    assert cache.get(SERVICE, t) is None


def test_an_entry_counts_only_for_the_verifier_that_made_it():
    cache = TokenCache(clock=Clock())
    t = token()
    cache.put(SERVICE, t, KM)
    other = TokenService("another-key-" + "o" * 40, "leerroute-dev", "leerroute")
    assert cache.get(other, t) is None


def test_the_least_recently_used_token_leaves_first_when_the_cache_is_full():
    cache = TokenCache(size=2, clock=Clock())
    a, b, c = token(subject="a"), token(subject="b"), token(subject="c")
    cache.put(SERVICE, a, KM)
    cache.put(SERVICE, b, KM)
    assert cache.get(SERVICE, a) == KM  # a is used again: b is now the oldest
    cache.put(SERVICE, c, KM)
    assert len(cache) == 2
    assert cache.get(SERVICE, b) is None
    assert cache.get(SERVICE, a) == KM and cache.get(SERVICE, c) == KM


def test_a_token_without_an_expiry_is_not_kept():
    import jwt

    cache = TokenCache(clock=Clock())
    unexpiring = jwt.encode({"sub": "km"}, "k" * 40, algorithm="HS256")
    cache.put(SERVICE, unexpiring, KM)
    assert cache.get(SERVICE, unexpiring) is None and len(cache) == 0
