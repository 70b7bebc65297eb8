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


PROBE_SETTING = "ponton.session_probe"


def sessions_shared(conn_params: dict, *, wait: float = 3.0, rounds: int = 3) -> bool:
    """Whether the server behind `conn_params` (psycopg.connect's arguments) lets two clients
    share one server session, as PgBouncer does in transaction or statement mode, where the
    search_path one structure's request set is what another's next query runs with
    (docs/adr/0024).

    Two clients open at once: the first sets a session setting, the second sets its own, the
    first reads its back. With PostgreSQL itself, or PgBouncer in session mode, each client
    has its own server session, so the first reads its own value (never a false alarm); and
    when the second waits more than `wait` seconds for a server connection, sessions are
    given whole (a pooler in transaction mode makes a client wait for a transaction, not for
    a session), so that is an answer too. A pooler that shares sessions usually gives both
    clients the same server connection at once; `rounds` probes make a miss under load
    unlikely."""
    import threading

    import psycopg

    params = {"connect_timeout": 10, **conn_params, "autocommit": True}
    for round_ in range(rounds):
        mine, theirs = f"first-{round_}", f"second-{round_}"
        with psycopg.connect(**params) as first, psycopg.connect(**params) as second:
            first.execute("SELECT set_config(%s, %s, false)", [PROBE_SETTING, mine])
            done = threading.Event()

            def set_theirs(second=second, theirs=theirs, done=done) -> None:
                second.execute("SELECT set_config(%s, %s, false)", [PROBE_SETTING, theirs])
                done.set()

            other = threading.Thread(target=set_theirs, daemon=True)
            other.start()
            if not done.wait(wait):
                first.close()  # gives its session back: the second client gets it and ends
                other.join(timeout=60)
                return False
            other.join()
            row = first.execute("SELECT current_setting(%s, true)", [PROBE_SETTING]).fetchone()
            if row is None or row[0] != mine:
                return True
    return False
