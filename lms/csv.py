"""CSV exports shared by every app: one download response (streamed, with the
BOM Excel needs to read UTF-8, every cell formula-safe, a safe file name,
never cached) and one way to write a timestamp in it."""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal

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


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    """Lines for a StreamingHttpResponse: the BOM, then each row made safe."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel needs the BOM to read UTF-8
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


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
    safe_name = _UNSAFE_FILENAME.sub("-", filename).strip(".-") or "export.csv"
    response["Content-Disposition"] = content_disposition_header(True, safe_name)
    response["Cache-Control"] = "private, no-store"
    return response
