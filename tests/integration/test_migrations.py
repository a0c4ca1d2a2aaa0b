"""Tables come from Alembic migrations only, and the models match them."""

from __future__ import annotations

from adapters import migrations


def test_migrated_database_matches_the_table_definitions(container):
    migrations.upgrade(container.database_url)  # applying twice changes nothing
    migrations.check(container.database_url)
