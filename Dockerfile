# dns-api container image: python:3.11-slim, runs as an unprivileged user.
#
# This image cannot be built in this project's CI (there is no Docker there): it is kept simple
# and checked by a text test only (tests/cli/test_serve_workers.py). Build and run it with
#
#   docker build -t dns-api .
#   docker run --rm -p 8000:8000 \
#     -e DNSIMPLE_ACCOUNT_TOKEN=... -e DNSIMPLE_ACCOUNT_ID=12345 -e DNSIMPLE_DOMAINS=example.com \
#     -e SECRET_KEY=... -e VALID_USERS=alice \
#     -e DATABASE_URL=postgresql://dns_api:...@db.internal/dns_api -e WEB_CONCURRENCY=2 \
#     dns-api
#
# - Migrations run at start (under a PostgreSQL advisory lock); to run them alone first:
#   docker run --rm -e DATABASE_URL=... dns-api dns-api db upgrade
# - SQLite (the default DATABASE_URL, /app/data/dns-api.db) is for one process and one container:
#   keep WEB_CONCURRENCY unset or 1 and put /app/data on a volume (-v dns-api-data:/app/data).
# - Without DNSIMPLE_ACCOUNT_TOKEN it starts in demo mode (the built-in emulator); that is for
#   trying it out (docker run --rm -p 8000:8000 dns-api prints a token), not for production.
# - It listens on PORT (default 8000: -e PORT=9000 -p 9000:9000 to change it); the health check
#   asks GET /health/live on that port from inside the container (python: the slim image has no
#   curl). Put TLS in front: tokens travel in headers, and set TRUSTED_PROXIES to the proxy's
#   networks (docs/security.md).
# - See docs/operations.md for several instances, backups, metrics and alerts.

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

COPY pyproject.toml README.md ./
COPY dns_api ./dns_api
RUN pip install --no-cache-dir . \
    && rm -rf /app/dns_api /app/build /app/*.egg-info \
    && useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin dns-api \
    && mkdir -p /app/data \
    && chown dns-api:dns-api /app/data

USER dns-api

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=4)"]

# The port is PORT's (8000 unless set), as everywhere dns-api serve runs.
CMD ["dns-api", "serve", "--host", "0.0.0.0"]
