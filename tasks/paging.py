"""Every page of an MLflow search: the client answers one page at a time and a token for the next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def every_page(search: Callable[..., Any], **kwargs: Any) -> list:
    """All results of `search(**kwargs)`, following `page_token` until the store has no more."""
    found, token = [], None
    while True:
        page = search(**kwargs, page_token=token)
        found += list(page)
        token = page.token
        if not token:
            return found
