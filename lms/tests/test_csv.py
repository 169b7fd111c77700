import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from lms.csv import (
    csv_query_response,
    csv_response,
    csv_safe_expression,
    csv_timestamp,
)


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_a_download_has_the_bom_the_header_and_safe_cells():
    response = csv_response(
        [["=1+1", 2, None]], filename="x.csv", header=["a", "b", "c"]
    )
    assert _body(response) == "\ufeffa,b,c\r\n'=1+1,2,\r\n"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"


def test_a_number_stays_a_number_and_text_that_looks_like_one_does_not():
    response = csv_response([[-0.25, Decimal("-1.5"), "-2+3"]], filename="x.csv")
    assert _body(response) == "\ufeff-0.25,-1.5,'-2+3\r\n"


def test_a_file_name_cannot_break_the_header():
    response = csv_response([], filename='a"b\r\nSet-Cookie: x/../c.csv')
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert '"' not in disposition.removeprefix('attachment; filename="')[:-1]
    assert "/" not in disposition


def test_a_japanese_file_name_is_sent_as_rfc_6266_filename_star():
    response = csv_response([], filename="講座-修了.csv")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%AC%9B%E5%BA%A7-%E4%BF%AE%E4%BA%86.csv"
    )


def test_a_timestamp_is_iso_8601_in_the_course_time_zone():
    moment = datetime(2026, 12, 2, 14, 30, 5, 123456, tzinfo=UTC)
    assert csv_timestamp(moment, ZoneInfo("Asia/Tokyo")) == "2026-12-02T23:30:05+09:00"
    assert csv_timestamp(None, ZoneInfo("Asia/Tokyo")) == ""


@pytest.mark.django_db
def test_a_query_download_streams_its_rows_safe_from_formulas(user_factory):
    for email, name in [
        ("a@csv.example.com", '=HYPERLINK("x")'),
        ("b@csv.example.com", 'comma, "quote"\nand a line'),
        ("c@csv.example.com", "-2+3"),
    ]:
        user_factory(email=email, display_name=name)
    query = (
        User.objects.filter(email__endswith="@csv.example.com")
        .annotate(name=csv_safe_expression("display_name"))
        .order_by("email")
        .values_list("email", "name", "last_login", "is_active")
    )
    sql, params = query.query.sql_with_params()

    response = csv_query_response(
        sql, params, header=["email", "name", "last login", "active"], filename="u.csv"
    )

    assert response.streaming
    assert response["Cache-Control"] == "private, no-store"
    body = _body(response)
    assert body.startswith("\ufeffemail,name,last login,active\n")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert [row[:3] for row in rows[1:]] == [
        ["a@csv.example.com", '\'=HYPERLINK("x")', ""],
        ["b@csv.example.com", 'comma, "quote"\nand a line', ""],
        ["c@csv.example.com", "'-2+3", ""],
    ]
