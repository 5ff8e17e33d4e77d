"""Pages from Jinja2 templates: every value escaped, the session's CSRF token and the
navigation at hand in each template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from dns_api import __version__
from dns_api.domain.policy import Principal, is_admin

_environment = Environment(
    loader=PackageLoader("dns_api.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt name fails the test, never renders empty
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | str | None) -> str:
    """A moment as every page shows it (``2026-12-07 00:04:07 UTC``); JSON views' ISO text too."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    return "" if not isinstance(moment, datetime) else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


_environment.filters["when"] = _when


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    csrf_token: str = "",
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` filled with ``context``, the signed-in ``principal`` (for the navigation)
    and the CSRF token every form of the page carries."""
    page = _environment.get_template(template).render(
        request=request,
        principal=principal,
        admin=principal is not None and is_admin(principal),
        csrf_token=csrf_token,
        version=__version__,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(page, status_code=status)
