"""An index in code-point order for the record-set cursor on PostgreSQL

``GET /zones/<zone>/rrsets`` pages by (name, type) compared in code-point order: PostgreSQL's
"C" collation. The existing (zone, name, type) index follows the database's collation, which a
"C" comparison cannot use, so a deep page would read the whole zone; this index serves it. SQLite
compares in code-point order already and needs nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEX = "ix_records_zone_name_type_code_point"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'CREATE INDEX {INDEX} ON records (zone, name COLLATE "C", type COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {INDEX}")
