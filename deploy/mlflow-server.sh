#!/usr/bin/env bash
# Starts the MLflow tracking server of the topology from the environment govflow.env and secrets.env give:
# PostgreSQL backend, proxied artifacts, the basic-auth app with its user store in PostgreSQL too.
# The compose file's `mlflow` service and tests/servers/topology.py both run this script, so they start the
# same server. The schema migration (`mlflow db upgrade`) is a separate step run before it (docs/deploy.md).
# Usage: mlflow-server.sh HOST PORT ARTIFACTS_DIR
set -euo pipefail
host=$1 port=$2 artifacts=$3
: "${MLFLOW_BACKEND_STORE_URI:?}" "${MLFLOW_AUTH_DATABASE_URI:?}" "${MLFLOW_ADMIN_USERNAME:?}" "${MLFLOW_ADMIN_PASSWORD:?}"
: "${MLFLOW_FLASK_SERVER_SECRET_KEY:?}" "${MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY:?}" "${MLFLOW_CRYPTO_KEK_PASSPHRASE:?}"
ini=$(mktemp -d)/basic_auth.ini
umask 077
cat > "$ini" <<INI
[mlflow]
default_permission = ${MLFLOW_AUTH_DEFAULT_PERMISSION:-READ}
database_uri = ${MLFLOW_AUTH_DATABASE_URI}
admin_username = ${MLFLOW_ADMIN_USERNAME}
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
auth_cache_ttl_seconds = ${MLFLOW_AUTH_CACHE_TTL_SECONDS:-60}
INI
# The admin is created with this password on the first start only; rotate it with MLflow's update-password API.
export MLFLOW_AUTH_CONFIG_PATH="$ini" MLFLOW_AUTH_ADMIN_PASSWORD="$MLFLOW_ADMIN_PASSWORD"
exec mlflow server --app-name basic-auth --host "$host" --port "$port" --workers "${MLFLOW_SERVER_WORKERS:-2}" \
    --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" --serve-artifacts --artifacts-destination "$artifacts"
