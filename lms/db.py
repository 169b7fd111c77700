"""Database expressions every app may use."""

from django.db.models import DateTimeField, Func


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
