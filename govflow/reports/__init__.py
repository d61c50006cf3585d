"""Pages for people: the fleet dashboard, a report per model, the risk register and the management summary,
rendered from data the flows read; nothing here reads MLflow or Prefect."""
