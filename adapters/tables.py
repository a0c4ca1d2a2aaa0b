"""Every table leerroute owns, as SQLAlchemy Core metadata.

The tables are created and changed by Alembic migrations only (``alembic/versions``); this
module is what ``alembic check`` compares the database with.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy_utils.types.uuid import UUIDType

metadata = MetaData()

# The event store's table (the eventsourcing library names it after the application, "Leerroute").
EVENTS_TABLE = "leerroute_events"

_big_id = BigInteger().with_variant(Integer(), "sqlite")

# The event store, in the layout eventsourcing-sqlalchemy reads and writes.
events = Table(
    EVENTS_TABLE,
    metadata,
    Column("id", _big_id, primary_key=True, autoincrement=True),
    Column("originator_id", UUIDType(), nullable=False),
    Column("originator_version", _big_id, nullable=False),
    Column("topic", Text(), nullable=False),
    Column("state", LargeBinary(), nullable=False),
    Index(f"{EVENTS_TABLE}_aggregate_idx", "originator_id", "originator_version", unique=True),
)

# A write with an Idempotency-Key stores its response in the same transaction as its events.
idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The outcome, written in the transaction that took the key: which command, on which
    # aggregate, at which version and log position, and the id of what it created.
    Column("command", String(64)),
    Column("aggregate_id", Uuid),
    Column("version", Integer),
    Column("position", _big_id),
    Column("created", String(64)),
    Index("idempotency_records_aggregate_idx", "aggregate_id"),
)

# How far each projection has read the log; updated in the same transaction as its rows.
projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", _big_id, nullable=False),
)

# The retention schedule: per trajectory, when its route ended and when its candidate's personal
# data falls due for erasure (``domain.retention``), and a documented hold.
# The comparison across regions (``adapters.comparison``): per trajectory event the comparison
# reads, its business date, recording time and the fields ``domain.comparison.COMPARISON_FIELDS``
# names (a one-event list in the money digests' encoding), with the trajectory's municipality.
comparison_events = Table(
    "comparison_events",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("position", _big_id, nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("event", Text, nullable=False),
    Index("comparison_events_municipality_idx", "municipality", "occurred_on"),
)

retention_schedule = Table(
    "retention_schedule",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("candidate_id", Uuid, nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("ended_on", Date),
    Column("due_on", Date),
    Column("held_on", Date),
    Column("hold_reason", Text()),
    Index("retention_schedule_due_idx", "due_on"),
    Index("retention_schedule_municipality_idx", "municipality", "due_on"),
)

# A projection that could not process an event stops there (the others go on): the event's log
# position and the error, until ``leerroute projections resume`` or the next start of the workers.
projection_failures = Table(
    "projection_failures",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", _big_id, nullable=False),
    Column("topic", Text(), nullable=False),
    Column("error", Text(), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
)

trajectory_summaries = Table(
    "trajectory_summaries",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("target_group", String(20), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("status", String(20), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("last_step_on", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("cohort", String(7), nullable=False),
    Column("stalled_since", Date),
    Column("check_in_due_on", Date),
    Column("next_milestone_on", Date),
    Column("route_model", Uuid),  # the route model (national version) the route follows
    Column("route_variant", Uuid),  # and its region's variant, if any
    Index("trajectory_summaries_municipality_idx", "municipality", "registered_on", "trajectory_id"),
    Index("trajectory_summaries_route_model_idx", "route_model", "municipality"),
    Index("trajectory_summaries_next_milestone_idx", "next_milestone_on"),
    Index("trajectory_summaries_check_in_due_idx", "municipality", "check_in_due_on", "trajectory_id",
          postgresql_where=text("check_in_due_on IS NOT NULL"), sqlite_where=text("check_in_due_on IS NOT NULL")),
    Index("trajectory_summaries_stalled_idx", "municipality", "last_step_on", "trajectory_id",
          postgresql_where=text("stalled_since IS NOT NULL AND status = 'active'"),
          sqlite_where=text("stalled_since IS NOT NULL AND status = 'active'")),
)

# How many trajectory summaries there are per municipality, stage, status and target group (projection
# "route-summaries"), so a list's total is a sum of a few rows, not a count of the municipality's routes.
trajectory_counts = Table(
    "trajectory_counts",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("status", String(20), primary_key=True),
    Column("target_group", String(20), primary_key=True),
    Column("n", Integer, nullable=False),
)

placement_summaries = Table(
    "placement_summaries",
    metadata,
    Column("placement_id", String(36), primary_key=True),
    Column("trajectory_id", Uuid, nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("employer_kvk", String(8), nullable=False),
    Column("employer_name", String(200), nullable=False),
    Column("function", String(200), nullable=False),
    Column("hours_per_week", Integer, nullable=False),
    Column("level", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("proposed_on", Date, nullable=False),
    Column("confirmed_on", Date),
    Column("declined_on", Date),
    Column("contract_start_on", Date),
    Column("ended_on", Date),
    Column("lasting_on", Date),
    Index("placement_summaries_employer_idx", "employer_kvk", "proposed_on", "placement_id"),
    Index("placement_summaries_trajectory_idx", "trajectory_id"),
    Index("placement_summaries_municipality_idx", "municipality", "status", "proposed_on", "placement_id"),
)

deviation_summaries = Table(
    "deviation_summaries",
    metadata,
    Column("deviation_id", String(36), primary_key=True),
    Column("trajectory_id", Uuid, nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("granted_by", String(200), nullable=False),
    Index("deviation_summaries_municipality_idx", "municipality", "ends_on"),
)

# Per route, the norms of its route model it runs against now and the last day within each
# (``domain.norms``); the worklist shows those past it.
norm_overruns = Table(
    "norm_overruns",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("norm", String(40), primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("norm_weeks", Integer, nullable=False),
    Column("within_until", Date, nullable=False),
    Column("ends_on", Date),
    Index("norm_overruns_municipality_idx", "municipality", "within_until"),
)

# The funnel: one row per trajectory and stage, one per drop-out. The funnel itself reads the
# counts below; these rows are read per trajectory only (by their primary keys).
stage_facts = Table(
    "stage_facts",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("cohort", String(7), nullable=False),
    Column("target_group", String(20), nullable=False),
    Column("entered_on", Date),
    Column("completed_on", Date),
    Column("skipped", Boolean, nullable=False),
    Column("lead_days", Integer),
)

drop_out_facts = Table(
    "drop_out_facts",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("cohort", String(7), nullable=False),
    Column("target_group", String(20), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("dropped_on", Date, nullable=False),
)

# The funnel's counts, kept by the funnel projection with the facts above (in the same
# transaction): per municipality, cohort, target group and stage, and once more for the whole
# country under the reserved municipality NATIONAL. A funnel reads these few rows, whatever the
# size of the population; a region adds up its municipalities' rows.
NATIONAL = ""

funnel_stage_counts = Table(
    "funnel_stage_counts",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("cohort", String(7), primary_key=True),
    Column("target_group", String(20), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("facts", Integer, nullable=False),  # stage_facts rows: a stage can be listed but not entered
    Column("entered", Integer, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
)

# Lead times as a histogram: how many completed the stage in so many days.
funnel_lead_days = Table(
    "funnel_lead_days",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("cohort", String(7), primary_key=True),
    Column("target_group", String(20), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("lead_days", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

# The same histogram in buckets of LEAD_BUCKET_DAYS days (``from_days`` is a bucket's first day, a
# multiple of the width): a funnel finds the buckets that hold its percentiles here and reads
# only those buckets' rows of ``funnel_lead_days`` (a range of its primary key), so its reads
# stay a few rows per group however many distinct numbers of days a group has. Its counts are
# always the sums of ``funnel_lead_days``' counts in each bucket. A funnel reads a group's
# buckets (its range of days / width) and the days of about two buckets (2 × width at most): 16
# keeps the two parts about even, near the fewest rows for the ranges of the generated
# populations. Changing the width needs a migration that refills the table.
LEAD_BUCKET_DAYS = 16

funnel_lead_buckets = Table(
    "funnel_lead_buckets",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("cohort", String(7), primary_key=True),
    Column("target_group", String(20), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("from_days", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

funnel_drop_out_counts = Table(
    "funnel_drop_out_counts",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("cohort", String(7), primary_key=True),
    Column("target_group", String(20), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("reason", String(40), primary_key=True),
    Column("count", Integer, nullable=False),
)

# Labour-market regions (arbeidsmarktregio's), loaded from configuration (``adapters.regions``):
# every known municipality code with the region its routes count under (a dissolved
# municipality's is its successor's) ...
municipality_regions = Table(
    "municipality_regions",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("region", String(100), nullable=False),
)

# ... and the mapping as the file gives it: each code's validity periods, the region it lies in
# (none once it merged), the successor it merged into, and whether it is its region's
# centrumgemeente.
municipalities = Table(
    "municipalities",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("period", Integer, primary_key=True, autoincrement=False),
    Column("region", String(100)),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("successor", String(6)),
    Column("centre", Boolean, nullable=False),
)

# Tamper evidence: per aggregate, each event's log position, its content digest and the chain hash
# over the previous chain hash, version, position and digest; written in the event's transaction.
event_hashes = Table(
    "event_hashes",
    metadata,
    Column("originator_id", UUIDType(), primary_key=True),
    Column("originator_version", _big_id, primary_key=True, autoincrement=False),
    Column("position", _big_id, nullable=False),
    Column("event_digest", String(64), nullable=False),
    Column("chain_hash", String(64), nullable=False),
)

# One data key per candidate, wrapped by the master key; erasure deletes the row.
candidate_keys = Table(
    "candidate_keys",
    metadata,
    Column("candidate_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary(), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Which master key wrapped it (``PersonalDataVault.key_id``); NULL: a key wrapped before
    # master keys had ids, found by trying each configured master key.
    Column("master_key_id", String(16)),
    Index("candidate_keys_master_key_idx", "master_key_id"),
)

# The duplicate check at registration: a keyed hash of the BSN per municipality, never the BSN.
candidate_lookup = Table(
    "candidate_lookup",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("bsn_digest", String(64), primary_key=True),
    Column("candidate_id", Uuid, nullable=False),
)

# Who processed whose personal data, in the spirit of the Logboek dataverwerkingen.
access_log = Table(
    "access_log",
    metadata,
    Column("id", _big_id, primary_key=True, autoincrement=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("organisation", String(64), nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("trajectory_id", Uuid, nullable=False),
    Column("candidate_pseudonym", String(64), nullable=False),
    Column("activity", String(80), nullable=False),
    Column("trace_id", String(32), nullable=False),
    Index("access_log_candidate_idx", "candidate_pseudonym", "occurred_at"),
    Index("access_log_trajectory_idx", "trajectory_id", "occurred_at"),
)

# The money: agreements, claims and the benefit periods that save bijstand (projection "money").
money_agreements = Table(
    "money_agreements",
    metadata,
    Column("agreement_id", Uuid, primary_key=True),
    Column("payer_kind", String(20), nullable=False),
    Column("payer", String(100), nullable=False),
    Column("claimant", String(100)),
    Column("kind", String(20), nullable=False),
    Column("trigger", String(40), nullable=False),
    Column("phase", String(40)),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("budget_cap_cents", BigInteger),
    Column("reserved_cents", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("terms_changes", Integer, nullable=False),
    Column("concluded_on", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Index("money_agreements_payer_idx", "payer", "concluded_on", "agreement_id"),
)

money_claims = Table(
    "money_claims",
    metadata,
    Column("claim_id", Uuid, primary_key=True),
    Column("agreement_id", Uuid, nullable=False),
    Column("trajectory_id", Uuid, nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("payer", String(100), nullable=False),
    Column("claimant", String(100), nullable=False),
    Column("trigger", String(40), nullable=False),
    Column("trigger_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("approved_on", Date),
    Column("rejected_on", Date),
    Column("rejection_reason", Text),
    Column("paid_on", Date),
    Column("version", Integer, nullable=False),
    Index("money_claims_agreement_idx", "agreement_id", "filed_on", "claim_id"),
    Index("money_claims_municipality_idx", "municipality", "filed_on", "claim_id"),
)

money_saving_periods = Table(
    "money_saving_periods",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("starts_on", Date, primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("ends_on", Date),
    Column("baseline_cents", BigInteger, nullable=False),
    Column("paid_cents", BigInteger, nullable=False),
    Index("money_saving_periods_municipality_idx", "municipality", "starts_on"),
)

# The bijstand savings as month aggregates (projection "money", ``adapters.money.savings``): per
# trajectory and recording moment what that moment changed in its savings per month (``kind``
# "month") and in the amount it saves every month from ``month`` on (``kind`` "rate"), and their
# sums per municipality, recording month (UTC) and month. ``n`` counts the trajectories that have
# the month.
money_saving_changes = Table(
    "money_saving_changes",
    metadata,
    Column("trajectory_id", Uuid, primary_key=True),
    Column("recorded_at", DateTime(timezone=True), primary_key=True),
    Column("kind", String(5), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("cents", BigInteger, nullable=False),
    Column("n", Integer, nullable=False),
    Index("money_saving_changes_municipality_idx", "municipality", "recorded_at"),
)

money_saving_totals = Table(
    "money_saving_totals",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("recorded_month", Date, primary_key=True),
    Column("kind", String(5), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("cents", BigInteger, nullable=False),
    Column("n", Integer, nullable=False),
)

# Per trajectory, agreement and claim: the events the money is derived from, in a compact form
# (projection "money"), so a report reads one row per aggregate instead of decoding the log. A
# trajectory's events hold only the fields ``domain.money.TRAJECTORY_FIELDS`` names; agreements'
# and claims' events are kept whole (they hold no personal data). ``events`` is a JSON list of
# [name, on, recorded_at, data]; ``version`` is the aggregate's version it reaches, ``born`` and
# ``position`` the log positions of its first and last event.
money_digests = Table(
    "money_digests",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("municipality", String(6)),
    Column("version", Integer, nullable=False),
    Column("born", _big_id, nullable=False),
    Column("position", _big_id, nullable=False),
    Column("events", Text, nullable=False),
    Index("money_digests_municipality_idx", "kind", "municipality"),
)

# --- notifications ------------------------------------------------------------------------------

# A subscription's signing secrets, encrypted (``adapters.notification_store``): the current
# version, and the previous one until ``valid_until`` (a rotation loses no delivery).
subscription_secrets = Table(
    "subscription_secrets",
    metadata,
    Column("subscription_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("valid_until", DateTime(timezone=True)),
)

# Each subscription's cursor on the log: the position of the last event delivered (or passed
# over), advanced only after a 2xx; the lease a delivery run holds; the retry state.
notification_cursors = Table(
    "notification_cursors",
    metadata,
    Column("subscription_id", Uuid, primary_key=True),
    Column("organisation", String(20), nullable=False),
    Column("role", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("position", _big_id, nullable=False),
    Column("lease_owner", String(32)),
    Column("lease_until", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("failures", Integer, nullable=False, server_default=text("0")),
    Column("failing_since", DateTime(timezone=True)),
    Column("delivered", _big_id, nullable=False, server_default=text("0")),
    Column("last_delivered_at", DateTime(timezone=True)),
    Index("notification_cursors_organisation_idx", "organisation", "role"),
)

# The recent delivery attempts per subscription (the delivery log).
notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("id", _big_id, primary_key=True, autoincrement=True),
    Column("subscription_id", Uuid, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("position", _big_id, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Integer, nullable=False),
    Column("error", String(300)),
    Index("notification_attempts_subscription_idx", "subscription_id", "id"),
)

# --- spreadsheet imports (``adapters.import_store``) ---------------------------------------------
# One row per import: who, what, how far. Its file (the upload, the marked workbook, the report
# with the problems) lies in ``import_files``, encrypted with the import's own key, which the
# master key wraps; the upload is deleted when the import ends, and everything of an import is
# shredded (key and files) when a candidate it imported is erased.
imports = Table(
    "imports",
    metadata,
    Column("import_id", Uuid, primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("file_format", String(4), nullable=False),
    Column("status", String(12), nullable=False),
    Column("rows_checked", Integer, nullable=False, server_default=text("0")),
    Column("rows_imported", Integer, nullable=False, server_default=text("0")),
    Column("rows_unchanged", Integer, nullable=False, server_default=text("0")),
    Column("rows_changed", Integer, nullable=False, server_default=text("0")),
    Column("rows_failed", Integer, nullable=False, server_default=text("0")),
    Column("wrapped_key", LargeBinary),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    # An Idempotency-Key of the upload (in its caller's scope) and a digest of the file it came with.
    Column("request_scope", String(64)),
    Column("request_key", String(200)),
    Column("fingerprint", String(64), nullable=False),
    Index("imports_municipality_idx", "municipality", "created_at"),
    Index("imports_request_idx", "request_scope", "request_key", unique=True),
)

import_files = Table(
    "import_files",
    metadata,
    Column("import_id", Uuid, primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Per municipality and keyed BSN hash: the candidate an import registered, with a keyed hash of
# each cell of the row it came from, so a re-upload of the row records nothing and a changed row
# is named, cell by cell. Deleted with the candidate's personal data.
imported_rows = Table(
    "imported_rows",
    metadata,
    Column("municipality", String(6), primary_key=True),
    Column("bsn_digest", String(64), primary_key=True),
    Column("candidate_id", Uuid, nullable=False),
    Column("trajectory_id", Uuid, nullable=False),
    Column("import_id", Uuid, nullable=False),
    Column("row", Integer, nullable=False),
    Column("cells", Text, nullable=False),
    Index("imported_rows_candidate_idx", "candidate_id"),
    Index("imported_rows_import_idx", "import_id"),
)

# --- the national model and its regional variants (``adapters.route_models``) --------------------
# One row per version of the national model and per regional variant, drafts included, with its
# validity and content (the dict its events carry), written in the transaction of its events: a
# registration in the same moment as a publication sees the one or the other, never half.
route_models = Table(
    "route_models",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(10), nullable=False),  # national, regional
    Column("model_id", Uuid, nullable=False),  # the national version (its own id for a national one)
    Column("version", Integer, nullable=False),  # the national version's number
    Column("region", String(100)),
    Column("status", String(10), nullable=False),  # draft, published, succeeded
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("content", Text, nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Index("route_models_model_idx", "model_id", "region"),
)
