#!/usr/bin/env bash
# Run once by the postgres image on an empty volume: one database per component, and the pg_trgm extension
# Prefect's server needs. Names come from govflow.env.
set -euo pipefail
for db in "$MLFLOW_DATABASE" "$MLFLOW_AUTH_DATABASE" "$PREFECT_DATABASE" "$GOVFLOW_DATABASE"; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE \"$db\""
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$PREFECT_DATABASE" -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm'
