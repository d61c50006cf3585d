"""Task that sends a notification through an Apprise URL (mail, Slack, Teams, a JSON webhook, ...)."""

from __future__ import annotations

from prefect import task


class NotificationFailed(RuntimeError):
    """Apprise could not deliver; retried, then logged by the flow (a notice lost is not evidence lost)."""


@task(retries=2, retry_delay_seconds=[2, 10])
def notify(url: str, title: str, body: str) -> None:
    """Send one message to the Apprise URL `url`."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        raise NotificationFailed(f"GOVFLOW_NOTIFY_URL is not an Apprise URL Apprise understands: {url.split(':')[0]}:…")
    if not sender.notify(title=title, body=body):
        raise NotificationFailed(f"Apprise could not deliver to {url.split('?')[0]}")
