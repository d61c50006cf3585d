"""`govflow webhook`: the receiver of MLflow's registry webhooks, and registering the webhook in MLflow."""

from __future__ import annotations

from typing import Annotated

import typer

from govflow.cli.runner import load_settings, usage_error
from govflow.settings import Settings

group = typer.Typer(no_args_is_help=True, help="MLflow registry webhooks that start the gate.")

WEBHOOK_EVENTS = ("model_version.created", "model_version_alias.created")


def webhook_secret(settings: Settings) -> str:
    from govflow.webhooks.signature import WeakSecret, require_secret

    try:
        return require_secret(settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)
    except WeakSecret as exc:
        usage_error(str(exc))
        raise


@group.command("serve")
def webhook_serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8787,
) -> None:
    """Receive MLflow registry webhooks at POST /webhooks/mlflow and start the gate for each new version.

    Example: govflow webhook serve --port 8765
    """
    settings = load_settings()
    secret = webhook_secret(settings)
    import logging

    import uvicorn

    from govflow.webhooks.dispatch import dispatcher_for_environment
    from govflow.webhooks.ledger import open_ledger
    from govflow.webhooks.receiver import PATH, create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    dispatcher = dispatcher_for_environment(settings.webhook_queue)
    ledger = open_ledger(settings)
    app_ = create_app(secret, ledger, dispatcher, tolerance_seconds=settings.webhook_tolerance_seconds,
                      max_body_bytes=settings.webhook_max_body_bytes)
    typer.echo(f"receiving MLflow webhooks at http://{host}:{port}{PATH} "
               f"({type(dispatcher).__name__}); Ctrl-C stops", err=True)
    try:
        uvicorn.run(app_, host=host, port=port, log_level="warning")
    finally:
        dispatcher.close()
        ledger.close()


@group.command("register")
def webhook_register(
    url: Annotated[str, typer.Option(help="the receiver's URL, ending in /webhooks/mlflow")],
    name: Annotated[str, typer.Option(help="the webhook's name in MLflow")] = "govflow-gate",
) -> None:
    """Create (or update) the MLflow registry webhook that calls the receiver, signed with the shared secret.

    Example: govflow webhook register --url https://govflow.bank.example/webhooks/mlflow
    """
    settings = load_settings()
    secret = webhook_secret(settings)
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(settings.resolved_tracking_uri)
    try:
        existing = [w for w in client.list_webhooks() if w.name == name]
        if existing:
            hook = client.update_webhook(existing[0].webhook_id, url=url, events=list(WEBHOOK_EVENTS), secret=secret,
                                         status="ACTIVE")
        else:
            hook = client.create_webhook(name, url, events=list(WEBHOOK_EVENTS), secret=secret,
                                         description="govflow: gate new versions, check aliases")
    except MlflowException as exc:
        from govflow.store_errors import mlflow_unreachable

        if mlflow_unreachable(exc):
            raise  # not the input: `govflow` says which store did not answer, exit 1
        usage_error(f"MLflow refused the webhook ({settings.resolved_tracking_uri}): {exc.message}")
    typer.echo(f"{'updated' if existing else 'created'} webhook {hook.webhook_id} '{name}' -> {url} "
               f"for {', '.join(WEBHOOK_EVENTS)}")
