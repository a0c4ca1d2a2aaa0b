"""Alembic environment: runs migrations on the database leerroute is configured for."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy_utils.types.uuid import UUIDType

from adapters.database import get_engine
from adapters.tables import metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    from leerroute.settings import Settings

    return Settings().effective_database_url


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """The event store's UUID column is eventsourcing-sqlalchemy's own type, stored as BINARY(16)
    on SQLite, which reflects back under another name; leave it to the library."""
    if isinstance(metadata_type, UUIDType):
        return False
    return None


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = get_engine(_database_url())
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # The API and the workers may start together: one migrates, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_lock(7420631)")
            connection.commit()
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=compare_type
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_unlock(7420631)")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
