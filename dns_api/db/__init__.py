"""Storage: the SQLAlchemy models, the migrations and one query module per table. The only
layer that writes SQL; it returns domain values, never ORM rows."""
