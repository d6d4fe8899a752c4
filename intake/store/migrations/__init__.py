"""Versioned schema migrations (Alembic), applied by the service at start."""
