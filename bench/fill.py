"""Fill a dns-api database for the benchmarks: records and scoped tokens, straight by SQL.

Reads never call DNSimple, so read scenarios need only rows; the write scenarios create their
own records through the API.
"""

from __future__ import annotations

import subprocess
import sys

from servers import Servers
from sqlalchemy import create_engine, func, select

from dns_api.db import urls
from dns_api.db.models import RecordRow, TokenRow
from dns_api.domain.policy import Grant
from dns_api.services.clock import utc_now
from dns_api.services.tokens import hash_secret, new_secret

GRANT = Grant.build(zones=["example.com"], names=["pr-*"], types=["CNAME"], actions=["read"])
BATCH = 5000
DNS_API = (sys.executable, "-m", "dns_api")
READ_EVERYTHING = ("--owner", "bench", "--name", "reader", "--zone", "*", "--name-pattern", "**")
READ_EVERYTHING += ("--type", "*", "--action", "read")


def fill_records(database_url: str, count: int) -> int:
    """``count`` A records in example.com (``r<n>``); returns the id of one in the middle."""
    engine = create_engine(urls.engine_url(database_url))
    now = utc_now()
    with engine.begin() as connection:
        for start in range(0, count, BATCH):
            rows = [
                {
                    "zone": "example.com",
                    "name": f"r{n}",
                    "type": "A",
                    "content": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                    "ttl": 3600,
                    "priority": None,
                    "dnsimple_record_id": 900_000_000 + n,
                    "created_at": now,
                    "updated_at": now,
                    "created_by": "bench",
                    "updated_by": "bench",
                }
                for n in range(start, min(count, start + BATCH))
            ]
            connection.execute(RecordRow.__table__.insert(), rows)
        middle = connection.execute(
            select(func.min(RecordRow.id) + count // 2).where(RecordRow.created_by == "bench")
        ).scalar_one()
    engine.dispose()
    return int(middle)


def fill_tokens(database_url: str, count: int) -> None:
    """``count`` scoped tokens whose secrets are thrown away (a realistic table to look in)."""
    engine = create_engine(urls.engine_url(database_url))
    now = utc_now()
    with engine.begin() as connection:
        for start in range(0, count, BATCH):
            rows = [
                {
                    "name": f"bulk-{n}",
                    "owner": f"user{n % 50}",
                    "secret_hash": hash_secret(new_secret()),
                    "grants": [GRANT.to_json()],
                    "networks": [],
                    "can_mint": False,
                    "lineage": "",
                    "created_at": now,
                    "created_by": "bench",
                }
                for n in range(start, min(count, start + BATCH))
            ]
            connection.execute(TokenRow.__table__.insert(), rows)
    engine.dispose()


def scoped_token(servers: Servers) -> str:
    """A scoped token that may read every record (made with ``dns-api token create``)."""
    created = subprocess.run(
        [*DNS_API, "token", "create", *READ_EVERYTHING],
        env=servers.env,
        cwd=servers.workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(w for w in created.stdout.split() if w.startswith("dnsapi_"))
