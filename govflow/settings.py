"""Runtime settings (where things live), read from GOVFLOW_* environment variables.

Policy limits are not settings: they live in the policy file that `policy_file` names.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from govflow import config as config_package
from govflow.redact import redact_log_records, without_credentials

# In a checkout, the folder holding pyproject.toml; installed from a wheel, site-packages (no git there).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# The shipped config/ (package data `govflow.config`): the checkout's folder, or the wheel's copy.
CONFIG_DIR = Path(config_package.__file__).resolve().parent
DEFAULT_POLICY = CONFIG_DIR / "policy.yaml"
DEFAULT_WAIVERS = CONFIG_DIR / "waivers.yaml"
DEFAULT_CONTROLS = CONFIG_DIR / "controls.yaml"
DEFAULT_QUESTIONNAIRE = CONFIG_DIR / "questionnaire.yaml"
DEFAULT_ASSESSMENTS = CONFIG_DIR / "assessments"
DEPLOYMENTS_FILE = CONFIG_DIR / "prefect.yaml"

# Telemetry stays off wherever govflow runs; these are set before Prefect, MLflow or GX import.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}


class Settings(BaseSettings):
    """Where data, MLflow and Prefect live for this installation."""

    model_config = SettingsConfigDict(env_prefix="GOVFLOW_", frozen=True, extra="forbid")

    data_dir: Path = Path(".govflow")
    tracking_uri: str | None = Field(default=None, description="used when MLFLOW_TRACKING_URI is unset")
    experiment: str = "governance"
    report_experiment: str = Field(default="governance-reports", description=(
        "experiment whose runs hold the generated reports; apart from the evidence, so reports are not links in "
        "any model's chain"))
    reports_dir: Path | None = Field(default=None, description="where `govflow report` writes; default <data_dir>/reports")
    mlflow_ui_url: str | None = Field(default=None, description=(
        "address of the MLflow UI that report links point to; default the tracking URI when it is http(s)"))
    report_period_days: int = Field(default=30, ge=1, description="how far back the management summary looks")
    policy_file: Path = DEFAULT_POLICY
    waivers_file: Path = DEFAULT_WAIVERS
    controls_file: Path = DEFAULT_CONTROLS
    questionnaire_file: Path = DEFAULT_QUESTIONNAIRE
    assessments_dir: Path = DEFAULT_ASSESSMENTS
    signing_key: Path | None = Field(default=None, description=(
        "Ed25519 private key (PEM) that signs every manifest; keep it from MLflow administrators"))
    chain_log: Path | None = Field(default=None, description=(
        "append-only file outside MLflow where each model's chain head is published; put it where MLflow "
        "administrators cannot rewrite it (another host, WORM storage)"))
    witness_log: Path | None = Field(default=None, description=(
        "a second, append-only file (another volume, an object-store mount) where each chain head is published "
        "again as a signed checkpoint; `govflow verify --witness FILE` holds the chain to it"))
    database_url: SecretStr | None = Field(default=None, description=(
        "PostgreSQL (postgresql://user:password@host:5432/db) where the chain head store and the webhook ledger "
        "live, shared by every receiver and worker on every host; unset, they are files in the data dir"))
    store_timeout_seconds: int = Field(default=10, ge=1, description=(
        "how long one call to MLflow or govflow's database waits for an answer before it counts as failed"))
    store_retries: int = Field(default=2, ge=0, le=10, description=(
        "how often MLflow's client retries a call that failed or timed out (1 s, then 2 s, 4 s ... apart); with "
        "the defaults a store that is down fails a command within about 35 s"))
    chain_lock_timeout_seconds: float = Field(default=600, gt=0, description=(
        "how long a recording waits for another process's hold on the same model's chain lock"))
    notify_url: SecretStr | None = Field(default=None, description=(
        "Apprise URL told when a blocking check fails (mailto://, slack://, json://host/path, ...)"))
    webhook_secret: SecretStr | None = Field(default=None, description=(
        "shared secret of the MLflow registry webhook; the receiver refuses deliveries it did not sign"))
    webhook_tolerance_seconds: int = Field(default=300, ge=1, description=(
        "how far a delivery's timestamp may be from now; covers MLflow's retries of one delivery"))
    webhook_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    webhook_handoff_seconds: int = Field(default=60, ge=1, description=(
        "how long a delivery being handed off holds its claim: a retry of it within this time is answered 503 "
        "(try later), after it the retry takes the hand-off over (its receiver died)"))
    reconcile_seconds: int | None = Field(default=None, ge=30, description=(
        "how often `govflow serve` gates versions a lost webhook left ungated; default prefect.yaml's 300 s"))
    workers: int = Field(default=2, ge=1, description="threads that monitor models side by side in the nightly run")
    processes: int = Field(default=1, ge=1, description=(
        "govflow processes sharing this machine's cores (process workers, Dask worker processes); each holds its "
        "OpenMP and BLAS threads to its share of the cores its CPU affinity gives it (govflow/threads.py)"))
    now: datetime | None = Field(default=None, description=(
        "act as of this moment (ISO date-time, UTC unless it says): a backfill, or the demo's simulated weeks; "
        "runs recorded under it are tagged governance.clock. Unset, the real clock"))
    dask_address: str | None = Field(default=None, description=(
        "Dask scheduler (tcp://host:8786); when set, the nightly run fans out on that cluster"))

    @property
    def resolved_tracking_uri(self) -> str:
        """MLFLOW_TRACKING_URI wins, as in MLflow; then GOVFLOW_TRACKING_URI; then SQLite in the data dir."""
        explicit = os.environ.get("MLFLOW_TRACKING_URI") or self.tracking_uri
        if explicit:
            return explicit
        return f"sqlite:///{self.data_dir.resolve() / 'mlflow.db'}"

    @property
    def artifact_root(self) -> Path:
        return self.data_dir.resolve() / "mlartifacts"

    @property
    def local_artifact_root(self) -> Path | None:
        """Artifact folder for experiments govflow creates, or None when a tracking server decides."""
        uri = self.resolved_tracking_uri
        return self.artifact_root if uri.startswith(("sqlite:", "file:", "/")) else None

    @property
    def resolved_reports_dir(self) -> Path:
        return (self.reports_dir or self.data_dir / "reports").resolve()

    @property
    def resolved_ui_url(self) -> str | None:
        """Where report links send people: the MLflow UI, when it has an address."""
        uri = self.resolved_tracking_uri
        link = self.mlflow_ui_url or (uri if uri.startswith(("http://", "https://")) else None)
        return without_credentials(link) if link else None

    @property
    def resolved_chain_log(self) -> Path:
        return self.chain_log or self.data_dir.resolve() / "chain-heads.jsonl"

    @property
    def webhook_ledger(self) -> Path:
        return self.data_dir.resolve() / "webhook-deliveries.sqlite"

    @property
    def webhook_queue(self) -> Path:
        return self.data_dir.resolve() / "webhook-jobs.sqlite"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir.resolve() / "prefect"

    @property
    def models_dir(self) -> Path:
        """One copy of each registered version's artifacts, downloaded once and reused (they never change)."""
        return self.data_dir.resolve() / "models"

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir.resolve() / "datasets"


def apply_environment(settings: Settings) -> None:
    """Telemetry off and Prefect's home inside the data dir; call before importing Prefect."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # bars on stderr drown the report
    # MLflow prints a "View run" link with the tracking URI, credentials and all, each time a run ends.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    redact_log_records()
    # MLflow's own defaults (7 retries, backoff factor 2, 120 s per try) wait about four minutes on a server
    # that is down; an explicit MLFLOW_HTTP_REQUEST_* setting still wins.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(settings.store_timeout_seconds))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", str(settings.store_retries))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("PGCONNECT_TIMEOUT", str(settings.store_timeout_seconds))
    # The embedded Prefect server migrates a fresh database on first start; 20 s is not enough on 2 cores.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
