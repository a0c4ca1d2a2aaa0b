"""The event store: eventsourcing-sqlalchemy on the shared engine, plus transcodings.

The events table (``leerroute_events``) is created by an Alembic migration, like every other
table, so the library is told not to create tables itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy.orm import Session

from adapters.database import session_factory
from domain.values import Actor, Role

EVENTS_TABLE = "leerroute_events"


class QuietApplicationRecorder(SQLAlchemyApplicationRecorder):
    """The library's recorder without its ``NOTIFY`` after every insert: nothing here LISTENs
    (the workers are told through dramatiq), and a NOTIFY costs a round trip and serialises
    commits on a database-wide lock."""

    def _notify_channel(self, session: Session) -> None:
        pass


class LeerrouteFactory(SQLAlchemyFactory):
    """Builds the library's recorders on the engine from ``adapters.database``; the application
    recorder also writes each event's hash-chain record (``adapters.hash_chain``) and sends no
    NOTIFY (``QuietApplicationRecorder``)."""

    def __init__(self, env: Environment):
        from adapters.hash_chain import HashChainedRecorder  # it needs the tables, which need this module

        self.application_recorder_class = type("LeerrouteRecorder", (HashChainedRecorder, QuietApplicationRecorder), {})
        super(SQLAlchemyFactory, self).__init__(env)
        self._schema_name = None
        url = self.env.get(self.SQLALCHEMY_URL)
        if not url:
            raise EnvironmentError("SQLALCHEMY_URL is not set")
        self.datastore = SQLAlchemyDatastore(session_maker=session_factory(url))


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(subject=data["subject"], role=Role(data["role"]), organisation=data["organisation"])


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ActorAsDict())


def event_store_env(database_url: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": f"{LeerrouteFactory.__module__}:{LeerrouteFactory.__qualname__}",
        "SQLALCHEMY_URL": database_url,
        "CREATE_TABLE": "no",
    }
