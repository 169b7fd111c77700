"""Reading a submission: each bad file gets a clear message on the right row."""

import io
import tracemalloc

import pytest

from competitions.metrics import AnswerKey, describe, score_file

LABELS = [("a", "pos", False), ("b", "neg", False), ("c", "pos", True)]
NUMBERS = [("a", "1.0", False), ("b", "2.0", False), ("c", "3.0", True)]


def read(text, rows=LABELS, metric="accuracy", file_format="csv"):
    key = AnswerKey.build(rows, metric=metric)
    data = text if isinstance(text, bytes) else text.encode()
    result = score_file(io.BytesIO(data), key, file_format=file_format)
    return result, [describe(p) for p in result.problems_json()]


def test_a_clean_file_is_scored_on_the_public_and_private_parts_separately():
    result, messages = read("id,prediction\na,pos\nb,pos\nc,pos\n")

    assert messages == []
    assert result.public_score == 0.5
    assert result.private_score == 1.0


def test_column_order_and_a_byte_order_mark_do_not_matter():
    result, messages = read("\ufeffprediction,id\npos,a\nneg,b\npos,c\n")

    assert messages == []
    assert result.public_score == 1.0


def test_a_wrong_header_is_named_with_the_expected_one():
    _result, messages = read("ID,label\na,pos\n")

    assert messages == [
        "The first line must be the header “id,prediction”; found “ID,label”."
    ]


def test_an_empty_file_is_rejected():
    assert read("")[1] == ["The file is empty."]


def test_missing_ids_are_counted_with_examples():
    _result, messages = read("id,prediction\na,pos\n")

    assert messages == ["2 ids of the test set are missing, e.g. b, c."]


def test_a_duplicate_id_names_both_rows():
    _result, messages = read("id,prediction\na,pos\nb,neg\na,neg\nc,pos\n")

    assert messages == ["Row 4: the id “a” appears more than once (first on row 2)."]


def test_an_unknown_id_is_reported_on_its_row():
    _result, messages = read("id,prediction\na,pos\nzzz,neg\nb,neg\nc,pos\n")

    assert messages == ["Row 3: the id “zzz” is not in the test set."]


def test_a_row_with_the_wrong_number_of_fields_is_reported():
    _result, messages = read("id,prediction\na,pos,extra\nb,neg\nc,pos\n")

    assert messages[0] == "Row 2 has 3 fields; the header has 2."


def test_an_empty_prediction_is_reported():
    _result, messages = read("id,prediction\na,\nb,neg\nc,pos\n")

    assert messages == ["Row 2: the prediction is empty."]


def test_non_numeric_values_are_reported_where_numbers_are_expected():
    _result, messages = read("id,prediction\na,1.5\nb,two\nc,3\n", NUMBERS, "rmse")

    assert messages == ["Row 3: “two” is not a number."]


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_infinity_are_refused(value):
    _result, messages = read(f"id,prediction\na,1\nb,{value}\nc,3\n", NUMBERS, "mae")

    assert messages == [f"Row 3: the prediction must be a finite number, not {value}."]


def test_bad_utf8_is_reported_on_its_line():
    data = b"id,prediction\na,pos\n" + b"b,n\xff\xfeg\n" + b"c,pos\n"

    _result, messages = read(data)

    assert messages == ["Line 3 is not valid UTF-8. Save the file as UTF-8."]


def test_too_many_rows_stops_reading():
    text = "id,prediction\n" + "".join(f"x{i},pos\n" for i in range(50))

    result, messages = read(text)

    assert messages[-2:] == [
        "The file has more rows than the test set (3); reading stopped at row 25.",
        "… and 3 more problems.",
    ]
    assert result.rows == 24


def test_only_the_first_twenty_problems_are_listed_with_a_count_of_the_rest():
    rows = [(f"r{i}", "x", False) for i in range(100)]
    text = "id,prediction\n" + "".join(f"u{i},x\n" for i in range(30))

    _result, messages = read(text, rows)

    assert len(messages) == 21
    assert messages[-1] == "… and 10 more problems."


def test_json_lines_are_read_and_a_bad_line_is_reported():
    good = '{"id": "a", "prediction": 1}\n{"id": "b", "prediction": 2}\n'
    result, messages = read(
        good + '{"id": "c", "prediction": 3}\n', NUMBERS, "mae", "jsonl"
    )
    assert messages == []
    assert result.public_score == 0.0

    _result, messages = read(good + "not json\n", NUMBERS, "mae", "jsonl")
    assert messages[0] == (
        "Line 3 is not a JSON object with the keys “id” and “prediction”."
    )


def test_a_100000_row_file_is_scored_in_flat_memory():
    """Speed is measured in bench/ (not a timed test); here: memory stays a few
    slots per test row, never a copy of the file."""
    n = 100_000
    rows = [(str(i), str(i % 7), i % 2 == 0) for i in range(n)]
    key = AnswerKey.build(rows, metric="macro_f1")
    data = ("id,prediction\n" + "".join(f"{i},{i % 5}\n" for i in range(n))).encode()

    tracemalloc.start()
    result = score_file(io.BytesIO(data), key)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert result.ok
    # Working memory is a few slots per test row, not a copy of the file.
    assert peak < 40 * 1024 * 1024
