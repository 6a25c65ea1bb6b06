"""Storage: SQLAlchemy models, database set-up, migrations."""
