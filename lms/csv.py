"""CSV exports shared by every app: one download response (streamed, with the
BOM Excel needs to read UTF-8, every cell formula-safe, a safe file name,
never cached) and one way to write a timestamp in it.

An export of a whole cohort (100,000 learners) is one SQL query instead:
`csv_query_response` streams it with PostgreSQL's `COPY ... TO STDOUT`, so
rows never become Python objects, and `csv_safe_expression` makes its text
cells formula-safe in that query, by the same rule as `csv_safe`."""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal

from django.db import connection
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Concat
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r"[^\w.\-]+")


def csv_safe(value) -> str:
    """A spreadsheet must not run a learner's text as a formula. A number
    (a negative score) is a number, not text to neutralise."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_timestamp(value: datetime | None, tz: tzinfo) -> str:
    """ISO 8601 with the offset, in the course's time zone (`course.tzinfo`):
    staff read the deadline and the submission time on one clock, and a
    spreadsheet still sorts and parses it. Empty for no time."""
    if value is None:
        return ""
    return value.astimezone(tz).isoformat(timespec="seconds")


def csv_safe_expression(field: str) -> Case:
    """`csv_safe` for a text column, as a query expression: the cell gets a
    leading apostrophe when it starts like a formula."""
    formula = Q()
    for prefix in FORMULA_PREFIXES:
        formula |= Q(**{f"{field}__startswith": prefix})
    return Case(
        When(formula, then=Concat(Value("'"), F(field))),
        default=F(field),
        output_field=CharField(),
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    """Lines for a StreamingHttpResponse: the BOM, then each row made safe."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel needs the BOM to read UTF-8
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def _attachment(response: StreamingHttpResponse, filename: str):
    safe_name = _UNSAFE_FILENAME.sub("-", filename).strip(".-") or "export.csv"
    response["Content-Disposition"] = content_disposition_header(True, safe_name)
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    rows: Iterable[Sequence],
    *,
    filename: str,
    header: Sequence[str] | None = None,
) -> StreamingHttpResponse:
    """The one CSV download: streamed (memory stays flat for any cohort), BOM
    first, every cell through `csv_safe`, an attachment whose name cannot
    break the header (RFC 6266 `filename*` for non-ASCII), and never stored
    by a shared cache, since exports carry learners' personal data."""

    def with_header() -> Iterator[Sequence]:
        if header is not None:
            yield header
        yield from rows

    response = StreamingHttpResponse(
        _csv_lines(with_header()), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, filename)


COPY_BUFFER = 64 * 1024  # bytes handed to the server at once


def _query_lines(sql: str, params: Sequence, header: Sequence[str]) -> Iterator:
    """BOM and header, then the query's rows. PostgreSQL formats them itself
    (COPY, one message per row, gathered into COPY_BUFFER-sized writes);
    elsewhere (SQLite, `make run`) they are fetched in batches and written
    by the csv module, with the same line ending as COPY's."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield ("\ufeff" + writer.writerow(header)).encode()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            buffer = bytearray()
            with cursor.cursor.copy(copy_sql, params) as copy:
                for data in copy:
                    buffer += data
                    if len(buffer) >= COPY_BUFFER:
                        yield bytes(buffer)
                        buffer.clear()
            if buffer:
                yield bytes(buffer)
            return
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            yield "".join(writer.writerow(row) for row in rows).encode()


def csv_query_response(
    sql: str, params: Sequence, *, header: Sequence[str], filename: str
) -> StreamingHttpResponse:
    """A CSV download of one query's rows (`sql` with `%s` placeholders, as
    `QuerySet.query.sql_with_params()` gives it): the same attachment as
    `csv_response`, streamed straight from the database, so time and memory
    stay close to a bare `COPY` whatever the cohort. Text cells a learner
    controls must be made safe in the query (`csv_safe_expression`)."""
    response = StreamingHttpResponse(
        _query_lines(sql, params, header), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, filename)
