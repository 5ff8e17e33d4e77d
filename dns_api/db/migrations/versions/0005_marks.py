"""marks: what a database has been through (moved over from python-dns-api, used by the demo)

``original_imports`` says when the records of python-dns-api's ``record`` table were taken over;
``database_marks`` holds named marks, such as ``demo`` for a database that demo mode filled.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "original_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_table(
        "database_marks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("database_marks")
    op.drop_table("original_imports")
