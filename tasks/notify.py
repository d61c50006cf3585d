"""Task that sends a notification through an Apprise URL (mail, Slack, Teams, a JSON webhook, ...).

Apprise URLs carry their secrets anywhere: a password before the host, tokens in the path (`slack://a/b/c`),
keys in the query, even the host (`slack://TOKEN/...`), and Apprise's privacy view masks passwords only. The
URL reaches the task as a SecretStr, so Prefect never records it among a run's inputs, and every message names
the service and scheme alone, so a failed task's state, stored in Prefect's database, holds no secret either."""

from __future__ import annotations

from pydantic import SecretStr

from govflow.tasks.task_type import task


class NotificationFailed(RuntimeError):
    """Apprise could not deliver; retried, then logged by the flow (a notice lost is not evidence lost)."""


@task(retries=2, retry_delay_seconds=[2, 10])
def notify(url: SecretStr, title: str, body: str) -> None:
    """Send one message to the Apprise URL `url`."""
    import apprise

    sender = apprise.Apprise()
    raw = url.get_secret_value()
    if not sender.add(raw):
        raise NotificationFailed("GOVFLOW_NOTIFY_URL is not an Apprise URL Apprise understands "
                                 f"(scheme {raw.split(':', 1)[0][:20]!r})")
    where = f"{', '.join(str(plugin.service_name) for plugin in sender)} ({raw.split(':', 1)[0][:20]}://…)"
    try:
        delivered = sender.notify(title=title, body=body)
    except Exception as exc:  # its text may quote the URL; the kind of failure is enough here
        raise NotificationFailed(f"Apprise failed sending to {where}: {type(exc).__name__}") from None
    if not delivered:
        raise NotificationFailed(f"Apprise could not deliver to {where}")
