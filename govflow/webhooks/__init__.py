"""The receiver for MLflow registry webhooks: it authenticates each delivery and starts the gate."""
