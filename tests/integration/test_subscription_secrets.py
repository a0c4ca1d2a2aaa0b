"""Subscriptions' signing secrets are stored encrypted, open under a previous master key during a
rotation, and are sealed again under the current one by ``leerroute keys rotate``."""

from __future__ import annotations

from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from adapters import migrations, notification_store
from adapters.database import read_session, write_session
from adapters.tables import subscription_secrets

OLD, NEW = "old-master-" + "o" * 40, "new-master-" + "n" * 40


def test_secrets_are_encrypted_open_during_a_rotation_and_are_sealed_again(fresh_database):
    migrations.upgrade(fresh_database)
    sid, secret = uuid4(), "whsec_" + "s" * 44
    old = notification_store.SecretBox(OLD)
    with write_session(fresh_database) as session:
        notification_store.keep_secret(session, old, sid, 1, secret, None)
    with read_session(fresh_database) as session:
        sealed = bytes(session.execute(select(subscription_secrets.c.sealed)).scalar_one())
        assert secret.encode() not in sealed and b"whsec_" not in sealed
        with pytest.raises(InvalidTag):
            notification_store.SecretBox(NEW).open(sid, 1, sealed)
        rotating = notification_store.SecretBox(NEW, [OLD])
        assert notification_store.current_secret(session, rotating, sid) == secret
        with pytest.raises(InvalidTag):
            rotating.open(sid, 2, sealed)  # bound to its subscription and version
    with write_session(fresh_database) as session:
        assert rotating.reseal(session) == 1
    with write_session(fresh_database) as session:
        assert rotating.reseal(session) == 0
    with read_session(fresh_database) as session:
        assert notification_store.current_secret(session, notification_store.SecretBox(NEW), sid) == secret
