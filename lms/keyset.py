"""Keyset pagination for long staff lists: a page is "the next N rows after
this one in the list's order", found through an index, so page 2,000 costs
what page 1 costs (OFFSET would read and throw away every row before it).

A list's order is a tuple of keys, the last one unique (the primary key), so
ties are broken the same way on every page. The links carry the boundary
row's key values, signed: `?after=…` for the next page, `?before=…` for the
previous one. A cursor that does not verify (edited, or from an older order)
gives the first page: nothing is changed by reading a list.

    page = keyset_page(rows, keys=[("homework_points", True), ("pk", True)],
                       after=request.GET.get("after"),
                       before=request.GET.get("before"), size=50)
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet

SALT = "lms.keyset"


@dataclass
class KeysetPage:
    """One page of rows, with the cursors of the pages either side (None at
    an end of the list)."""

    rows: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    keys: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


class _Serializer:
    """JSON for the cursor, datetimes to the microsecond (DjangoJSONEncoder
    cuts them to milliseconds, which would skip rows on a datetime key)."""

    class _Encoder(DjangoJSONEncoder):
        def default(self, o):
            if isinstance(o, datetime):
                return o.isoformat()
            return super().default(o)

    def dumps(self, obj) -> bytes:
        return json.dumps(obj, cls=self._Encoder, separators=(",", ":")).encode()

    def loads(self, data: bytes):
        return json.loads(data.decode())


def _value(row, name: str):
    value = row
    for part in name.split("__"):
        value = getattr(value, part)
    return value


def _cursor(row, keys) -> str:
    return signing.dumps(
        [_value(row, name) for name, _desc in keys],
        salt=SALT,
        compress=True,
        serializer=_Serializer,
    )


def _read(cursor: str | None, keys) -> list | None:
    if not cursor:
        return None
    try:
        values = signing.loads(cursor, salt=SALT, serializer=_Serializer)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    return values


def _beyond(keys, values, *, forward: bool) -> Q:
    """Rows strictly after (`forward`) or before the row with `values` in
    the order `keys`: (k1 > v1) or (k1 = v1 and k2 > v2) or …"""
    terms = []
    for i, (name, descending) in enumerate(keys):
        lookup = "lt" if descending == forward else "gt"
        equal = {keys[j][0]: values[j] for j in range(i)}
        terms.append(Q(**equal, **{f"{name}__{lookup}": values[i]}))
    return reduce(or_, terms)


def keyset_page(
    rows: QuerySet,
    *,
    keys: list[tuple[str, bool]],
    size: int,
    after: str | None = None,
    before: str | None = None,
) -> KeysetPage:
    """The page of `rows` after the cursor `after` (or before `before`, or
    the first page), ordered by `keys`: (field, descending) pairs whose last
    field is unique and never null. One query."""
    order = [f"-{name}" if desc else name for name, desc in keys]
    reverse = [name if desc else f"-{name}" for name, desc in keys]
    if (values := _read(before, keys)) is not None:
        found = list(
            rows.filter(_beyond(keys, values, forward=False)).order_by(*reverse)[
                : size + 1
            ]
        )
        more = len(found) > size
        page = found[:size][::-1]
        return KeysetPage(
            rows=page,
            next_cursor=_cursor(page[-1], keys) if page else None,
            previous_cursor=_cursor(page[0], keys) if page and more else None,
            keys=keys,
        )
    values = _read(after, keys)
    if values is not None:
        rows = rows.filter(_beyond(keys, values, forward=True))
    found = list(rows.order_by(*order)[: size + 1])
    page = found[:size]
    return KeysetPage(
        rows=page,
        next_cursor=_cursor(page[-1], keys) if len(found) > size else None,
        previous_cursor=_cursor(page[0], keys) if page and values is not None else None,
        keys=keys,
    )
