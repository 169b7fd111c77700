"""Database helpers every app may use: the pool's connection check and
expressions.

`check_pooled_connection` is the check that Django's PostgreSQL connection
pool runs on each connection it hands out (settings:
OPTIONS["pool"]["check"]). PostgreSQL closes connections on its own now and
then: a restart, an operator's `pg_terminate_backend`, an idle timeout in a
proxy. Without a check the pool hands such a connection to the next request,
which fails with a 500 minutes later. psycopg_pool's `check_connection` finds
it dead and the pool tries the next one; but when many died at once (a
restart kills them all) the pool waits 1, 2, 4... seconds between dead ones,
and a request waited ten seconds for a PoolTimeout. So on the first dead
connection the whole pool is checked at once: the dead ones are dropped and
replaced, and the request gets a new connection within milliseconds.
"""

from django.db.models import DateTimeField, Func


def check_pooled_connection(conn) -> None:
    from psycopg_pool import ConnectionPool  # only with PostgreSQL

    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # set by the pool on getconn()
        if pool is not None:
            pool.check()
        raise


class AddDays(Func):
    """`moment` + `days` days, `days` an integer expression (a column): the
    same instant arithmetic on PostgreSQL (an interval of whole days, in UTC
    sessions 24 hours each) and on SQLite (Django's own date-delta function,
    in microseconds), where Django's `F() * timedelta` is not supported."""

    arity = 2
    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="(%(expressions)s)",
            arg_joiner=" + interval '1 day' * ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="django_format_dtdelta('+', %(expressions)s)",
            arg_joiner=", 86400000000 * ",
            **extra_context,
        )
