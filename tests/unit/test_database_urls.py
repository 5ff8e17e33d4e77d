from __future__ import annotations

import pytest

from dns_api.db import urls


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///./data/x.db", "sqlite:///./data/x.db"),
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_engine_urls(given: str, expected: str) -> None:
    assert urls.engine_url(given) == expected
