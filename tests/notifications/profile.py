"""Checks of a delivered event: the CloudEvents 1.0 JSON schema (vendored beside this file) and
the rules of the NL GOV profile for CloudEvents that apply to leerroute's events."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import jsonschema

SCHEMA = json.loads((Path(__file__).with_name("cloudevents-1.0.schema.json")).read_text())
_TYPE = re.compile(r"^nl\.leerroute\.[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*$")
_OIN_SOURCE = re.compile(r"^urn:nld:oin:\d{20}:systeem:[a-z0-9-]+$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,20}$")
CORE = {"specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time", "data", "data_base64"}


def check_event(event: dict[str, Any], *, oin: str | None = None) -> None:
    jsonschema.validate(event, SCHEMA, format_checker=jsonschema.FormatChecker())
    # NL GOV profile: specversion 1.0; id unique (a UUID); a reverse-DNS type; source as an urn
    # with the OIN when there is one, otherwise an absolute URI; time in RFC 3339 (UTC here);
    # subject without personal data; datacontenttype with data; extension names of lowercase
    # letters and digits, at most 20.
    assert event["specversion"] == "1.0"
    UUID(event["id"])
    assert _TYPE.match(event["type"]), event["type"]
    if oin:
        assert _OIN_SOURCE.match(event["source"]) and oin in event["source"], event["source"]
    else:
        assert re.match(r"^https?://", event["source"]), event["source"]
    assert event["time"].endswith("Z")
    datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert event["datacontenttype"] == "application/json" and isinstance(event["data"], dict)
    UUID(event["subject"])
    for name in set(event) - CORE:
        assert _EXTENSION.match(name), name
    assert event["dataref"].startswith("http"), event["dataref"]
    assert event["sequence"].isdigit()
