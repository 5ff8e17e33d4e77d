"""The web console at ``/console``: server-rendered pages for people, on the API's services.

A sub-application mounted by ``dns_api.app``: its own error pages (HTML, not the API's JSON) and
security headers, the same services, authorization and write path as the API. ``web`` holds the
session and CSRF plumbing, ``pages`` one module per area, ``templates`` and ``static`` what the
browser gets (no script inline, no build step).
"""
