"""Configuration, read from the environment (and a ``.env`` file if present).

Nothing is needed for the embedded default: an SQLite file under ``var/``, the worker in the
same process, and development secrets generated once into ``var/secrets/``. Production sets
``DATABASE_URL``, ``REDIS_URL`` and the secrets explicitly.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.savings import SavingsBaseline
from domain.values import MilestoneTerms


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), validation_alias=AliasChoices("LEERROUTE_DATA_DIR"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL"))
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL"))

    jwt_secret: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_JWT_SECRET"))
    jwt_issuer: str = Field(default="leerroute-dev", validation_alias=AliasChoices("LEERROUTE_JWT_ISSUER"))
    jwt_audience: str = Field(default="leerroute", validation_alias=AliasChoices("LEERROUTE_JWT_AUDIENCE"))
    oidc_issuer: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_OIDC_ISSUER"))
    oidc_jwks_url: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_OIDC_JWKS_URL"))
    oidc_audience: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_OIDC_AUDIENCE"))
    oidc_refresh_cooldown_seconds: float = Field(
        default=10.0, ge=0, validation_alias=AliasChoices("LEERROUTE_OIDC_REFRESH_COOLDOWN_SECONDS")
    )
    role_claim: str = Field(default="role", min_length=1, validation_alias=AliasChoices("LEERROUTE_ROLE_CLAIM"))
    organisation_claim: str = Field(default="org", min_length=1, validation_alias=AliasChoices("LEERROUTE_ORGANISATION_CLAIM"))
    pseudonym_secret: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_PSEUDONYM_SECRET"))
    personal_data_secret: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_PERSONAL_DATA_SECRET"))
    personal_data_previous_secrets: str | None = Field(
        default=None, validation_alias=AliasChoices("LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS")
    )

    log_format: str = Field(default="json", pattern="^(json|text)$", validation_alias=AliasChoices("LEERROUTE_LOG_FORMAT"))
    timezone: str = Field(default="Europe/Amsterdam", validation_alias=AliasChoices("LEERROUTE_TIMEZONE"))
    read_wait_max_seconds: float = Field(default=5.0, validation_alias=AliasChoices("LEERROUTE_READ_WAIT_MAX_SECONDS"))
    max_body_bytes: int = Field(default=1_048_576, ge=1, validation_alias=AliasChoices("LEERROUTE_MAX_BODY_BYTES"))
    body_timeout_seconds: float = Field(default=30.0, gt=0, validation_alias=AliasChoices("LEERROUTE_BODY_TIMEOUT_SECONDS"))
    keep_alive_seconds: float = Field(default=5.0, gt=0, validation_alias=AliasChoices("LEERROUTE_KEEP_ALIVE_SECONDS"))
    command_retries: int = Field(default=5, validation_alias=AliasChoices("LEERROUTE_COMMAND_RETRIES"))
    aggregate_cache_size: int = Field(default=1_000, ge=0, validation_alias=AliasChoices("LEERROUTE_AGGREGATE_CACHE_SIZE"))

    lasting_placement_months: int = Field(default=6, ge=1, validation_alias=AliasChoices("LEERROUTE_LASTING_PLACEMENT_MONTHS"))
    check_in_interval_months: int = Field(default=6, ge=1, validation_alias=AliasChoices("LEERROUTE_CHECK_IN_INTERVAL_MONTHS"))
    check_in_window_days: int = Field(default=30, ge=0, validation_alias=AliasChoices("LEERROUTE_CHECK_IN_WINDOW_DAYS"))
    guarantee_years: int = Field(default=10, ge=1, validation_alias=AliasChoices("LEERROUTE_GUARANTEE_YEARS"))
    stall_weeks: int = Field(default=8, ge=1, validation_alias=AliasChoices("LEERROUTE_STALL_WEEKS"))
    retention_months: int = Field(default=84, ge=1, validation_alias=AliasChoices("LEERROUTE_RETENTION_MONTHS"))
    deviation_ending_days: int = Field(default=14, ge=0, validation_alias=AliasChoices("LEERROUTE_DEVIATION_ENDING_DAYS"))
    catch_up_seconds: float = Field(default=2.0, gt=0, validation_alias=AliasChoices("LEERROUTE_CATCH_UP_SECONDS"))
    policy_seconds: float = Field(default=900.0, gt=0, validation_alias=AliasChoices("LEERROUTE_POLICY_SECONDS"))
    savings_baseline: SavingsBaseline = Field(
        default=SavingsBaseline.INTAKE, validation_alias=AliasChoices("LEERROUTE_SAVINGS_BASELINE")
    )
    ready_max_lag_events: int = Field(default=10_000, ge=0, validation_alias=AliasChoices("LEERROUTE_READY_MAX_LAG_EVENTS"))
    ready_max_lag_seconds: float = Field(default=60.0, ge=0, validation_alias=AliasChoices("LEERROUTE_READY_MAX_LAG_SECONDS"))
    regions_file: Path | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_REGIONS_FILE"))
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, validation_alias=AliasChoices("LEERROUTE_IMPORT_MAX_BYTES"))
    import_batch_rows: int = Field(default=50, ge=1, validation_alias=AliasChoices("LEERROUTE_IMPORT_BATCH_ROWS"))

    public_url: str = Field(default="http://127.0.0.1:8000", validation_alias=AliasChoices("LEERROUTE_PUBLIC_URL"))
    oin: str | None = Field(default=None, pattern=r"^\d{20}$", validation_alias=AliasChoices("LEERROUTE_OIN"))
    notification_allowed_hosts: str = Field(
        default="localhost,127.0.0.1,::1", validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_ALLOWED_HOSTS")
    )
    notification_failing_after_seconds: float = Field(
        default=3600.0, gt=0, validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_FAILING_AFTER_SECONDS")
    )
    notification_backoff_seconds: float = Field(default=1.0, gt=0, validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_BACKOFF_SECONDS"))
    notification_max_backoff_seconds: float = Field(
        default=300.0, gt=0, validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_MAX_BACKOFF_SECONDS")
    )
    notification_lease_seconds: float = Field(default=60.0, gt=0, validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_LEASE_SECONDS"))
    notification_timeout_seconds: float = Field(default=10.0, gt=0, validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_TIMEOUT_SECONDS"))
    notification_secret_grace_hours: float = Field(
        default=24.0, ge=0, validation_alias=AliasChoices("LEERROUTE_NOTIFICATION_SECRET_GRACE_HOURS")
    )

    @property
    def allowed_callback_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.notification_allowed_hosts.split(",") if h.strip())

    # The console (pages for people): its session cookie and, with an OIDC issuer, its client.
    console_secret: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_CONSOLE_SECRET"))
    console_session_minutes: int = Field(default=480, ge=1, validation_alias=AliasChoices("LEERROUTE_CONSOLE_SESSION_MINUTES"))
    console_secure_cookie: bool = Field(default=False, validation_alias=AliasChoices("LEERROUTE_CONSOLE_SECURE_COOKIE"))
    oidc_client_id: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_OIDC_CLIENT_ID"))
    oidc_client_secret: str | None = Field(default=None, validation_alias=AliasChoices("LEERROUTE_OIDC_CLIENT_SECRET"))

    @property
    def milestone_terms(self) -> MilestoneTerms:
        return MilestoneTerms(
            lasting_placement_months=self.lasting_placement_months,
            check_in_interval_months=self.check_in_interval_months,
            check_in_window_days=self.check_in_window_days,
            guarantee_years=self.guarantee_years,
            stall_weeks=self.stall_weeks,
            retention_months=self.retention_months,
        )

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'leerroute.db').as_posix()}"

    @cached_property
    def effective_jwt_secret(self) -> str:
        return self.jwt_secret or self._dev_secret("jwt")

    @cached_property
    def effective_pseudonym_secret(self) -> str:
        return self.pseudonym_secret or self._dev_secret("pseudonym")

    @cached_property
    def effective_console_secret(self) -> str:
        """The key that signs the console's session cookies (shared by every API process)."""
        return self.console_secret or self._dev_secret("console")

    @cached_property
    def effective_personal_data_secret(self) -> str:
        """The master key of the candidates' keys. Generated only for the embedded default:
        with any other database it must be configured (and kept apart from the database)."""
        if self.personal_data_secret:
            return self.personal_data_secret
        if not self.effective_database_url.startswith("sqlite"):
            raise ValueError("set LEERROUTE_PERSONAL_DATA_SECRET: the key of personal data is never generated for a server database")
        return self._dev_secret("personal-data")

    @property
    def previous_personal_data_secrets(self) -> list[str]:
        """Earlier master keys (comma-separated), still accepted for the candidate keys they
        wrap until ``leerroute keys rotate`` has re-wrapped them all."""
        return [part.strip() for part in (self.personal_data_previous_secrets or "").split(",") if part.strip()]

    def _dev_secret(self, name: str) -> str:
        """A secret generated once per data directory, for the embedded default only."""
        path = self.data_dir / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            candidate = path.with_suffix(f".{os.getpid()}.tmp")
            candidate.write_text(secrets.token_urlsafe(48))
            os.chmod(candidate, 0o600)
            try:
                os.link(candidate, path)  # atomic: the first process to create it wins
            except FileExistsError:
                pass
            finally:
                candidate.unlink()
        return path.read_text().strip()
