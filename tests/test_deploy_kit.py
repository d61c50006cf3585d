"""The deployment kit is one configuration: every value the compose file, the MLflow start script and the
topology test use comes from deploy/govflow.env and the secrets it names, and each secret is used."""

import re
from pathlib import Path

import yaml

from tests.servers.topology import ENV_FILE, read_env

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _secrets() -> dict[str, str]:
    lines = (DEPLOY / "secrets.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_every_reference_in_the_environment_file_resolves_from_the_lines_above_or_a_secret():
    config = read_env(ENV_FILE, _secrets())
    assert config["GOVFLOW_DATABASE_URL"] == "postgresql://govflow:change-me@postgres:5432/govflow"
    assert config["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert config["MLFLOW_BACKEND_STORE_URI"].startswith("postgresql+psycopg2://")
    assert not [v for v in config.values() if "${" in v]


def test_the_compose_file_reads_both_files_and_uses_only_variables_they_define():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    defined = set(read_env(ENV_FILE, _secrets()))
    for name, service in compose["services"].items():
        assert service.get("env_file") == ["govflow.env", "secrets.env"], name
        command = " ".join(service.get("command", []))
        assert set(re.findall(r"\$\$\{?([A-Z_]+)", command)) <= defined, name
    script = (DEPLOY / "mlflow-server.sh").read_text()
    assert set(re.findall(r"\$\{([A-Z_]+)[:}]", script)) <= defined
    used = (DEPLOY / "docker-compose.yml").read_text() + script + ENV_FILE.read_text()
    unused = [k for k in _secrets() if k not in used]
    assert unused == [], f"secrets.env.example names secrets nothing reads: {unused}"
