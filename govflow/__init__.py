"""govflow: model-risk governance on Prefect and MLflow."""

__version__ = "0.1.0"
