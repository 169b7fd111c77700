"""CSV exports shared by every app: formula-injection safe cells, streamed
lines with the BOM Excel needs to read UTF-8."""

import csv
from collections.abc import Iterable, Iterator

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A spreadsheet must not run a learner's text as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Lines for a StreamingHttpResponse: the BOM, then each row made safe."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel needs the BOM to read UTF-8
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])
