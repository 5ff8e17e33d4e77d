from __future__ import annotations

import pytest

from dns_api.db import urls


@pytest.mark.parametrize(
    ("given", "async_form", "sync_form"),
    [
        ("sqlite:///./data/x.db", "sqlite+aiosqlite:///./data/x.db", "sqlite:///./data/x.db"),
        (
            "postgres://u:p@h:5432/d",
            "postgresql+psycopg://u:p@h:5432/d",
            "postgresql+psycopg://u:p@h:5432/d",
        ),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_driver_urls(given: str, async_form: str, sync_form: str) -> None:
    assert urls.async_url(given) == async_form
    assert urls.sync_url(given) == sync_form
