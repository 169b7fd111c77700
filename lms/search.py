"""Substring search over text columns, written once for every list that
searches (Q&A, the summaries review queue).

On PostgreSQL `contains(field, term)` is `field LIKE '%term%'`, or `ILIKE`
for a term with letter case: both are answered by a plain `gin_trgm_ops`
index where one exists, and both are estimated from the column's
statistics, so the planner knows whether a word is in most rows or in few
(Django's `icontains` writes `UPPER(col) LIKE UPPER(...)`, which needs an
index on `UPPER(col)` and has no statistics: PostgreSQL guessed 11 rows of
62,000 summaries containing "attention" and sorted them all). SQLite, for
`make run`, gets Django's `icontains`. `%`, `_` and `\\` match as
themselves.
"""

from django.db import connection
from django.db.models import F, Lookup, Q, Value


class Like(Lookup):
    """`lhs LIKE '%term%'` or, for a term with letter case, `ILIKE`.
    (Upper-casing every Japanese body cost twice the time of `LIKE` when a
    two-character word has to scan.)"""

    lookup_name = "koza_like"

    def __init__(self, lhs, term: str):
        self.case_insensitive = term.lower() != term.upper()
        super().__init__(lhs, Value(f"%{escape_like(term)}%"))

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if self.case_insensitive else "LIKE"
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]


def escape_like(term: str) -> str:
    """`%`, `_` and the escape character itself match as typed."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(field: str, term: str) -> Q:
    """Rows whose `field` contains `term` in any letter case."""
    if connection.vendor == "postgresql":
        return Q(Like(F(field), term))
    return Q(**{f"{field}__icontains": term})
