"""The database connection pool's hooks (docs/adr/0010). Imported by the settings: no models."""

from __future__ import annotations

from psycopg import Connection
from psycopg.pq import TransactionStatus


def pool_reset(conn: Connection) -> None:
    """A connection given back to the pool forgets the schema it served: the next request,
    whatever its structure, starts from the default search_path, and django-tenants sets its
    own before the first query (its per-connection record is cleared on close)."""
    conn.execute("RESET search_path")
    if conn.info.transaction_status != TransactionStatus.IDLE:
        conn.rollback()
