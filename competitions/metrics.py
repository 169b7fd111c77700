"""Metrics and submission reading: pure Python and numpy, no Django models.

A submission is read once, row by row, straight from disk: memory grows with
the size of the test set (one slot per hidden answer), never with the file,
and a file bigger than the test set stops being read at the first extra row.
Every problem becomes a `Problem` with a code and the row it is on, so the
learner sees "row 12: the id “x” appears twice" rather than a stack trace;
messages are translated when shown, not when the worker wrote them.
"""

import csv
import io
import json
import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MAX_REPORTED_PROBLEMS = 20
# Problems about the whole file are always listed, after any row problems.
FILE_PROBLEMS = {"too_many_rows", "not_utf8", "missing_ids"}

MESSAGES = {
    "empty": _("The file is empty."),
    "not_utf8": _("Line %(row)s is not valid UTF-8. Save the file as UTF-8."),
    "header": _("The first line must be the header “%(expected)s”; found “%(found)s”."),
    "csv": _("Row %(row)s cannot be read as CSV: %(detail)s"),
    "fields": _("Row %(row)s has %(found)s fields; the header has %(expected)s."),
    "json": _(
        "Line %(row)s is not a JSON object with the keys “%(id)s” and “%(prediction)s”."
    ),
    "no_id": _("Row %(row)s has no id."),
    "duplicate_id": _(
        "Row %(row)s: the id “%(id)s” appears more than once (first on row %(first)s)."
    ),
    "unknown_id": _("Row %(row)s: the id “%(id)s” is not in the test set."),
    "empty_prediction": _("Row %(row)s: the prediction is empty."),
    "not_number": _("Row %(row)s: “%(value)s” is not a number."),
    "not_finite": _(
        "Row %(row)s: the prediction must be a finite number, not %(value)s."
    ),
    "too_many_rows": _(
        "The file has more rows than the test set (%(expected)s); "
        "reading stopped at row %(row)s."
    ),
    "missing_ids": ngettext_lazy(
        "%(count)s id of the test set is missing: %(examples)s.",
        "%(count)s ids of the test set are missing, e.g. %(examples)s.",
        "count",
    ),
    "too_large": _("The file is larger than the limit of %(limit)s MB."),
    "more": ngettext_lazy(
        "… and %(count)s more problem.", "… and %(count)s more problems.", "count"
    ),
}


@dataclass(frozen=True)
class Problem:
    code: str
    row: int | None = None
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"code": self.code, "row": self.row, "params": self.params}


def describe(problem: dict) -> str:
    """The learner-facing sentence for a stored problem, in the active language."""
    template = MESSAGES.get(problem.get("code"), MESSAGES["csv"])
    params = {"row": problem.get("row")} | dict(problem.get("params") or {})
    try:
        return str(template % params)
    except (KeyError, TypeError, ValueError):
        return str(template)


# --- Metrics -----------------------------------------------------------------


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean of per-class F1 over every label seen in either array;
    a class never predicted and never true cannot occur, one with no
    precision or recall scores 0 (scikit-learn's zero_division=0)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = len(y_true)
    labels, inverse = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    t, p = inverse[:n], inverse[n:]
    k = len(labels)
    true_positive = np.bincount(t[t == p], minlength=k)
    denominator = np.bincount(t, minlength=k) + np.bincount(p, minlength=k)
    f1 = np.divide(
        2 * true_positive,
        denominator,
        out=np.zeros(k, dtype=float),
        where=denominator > 0,
    )
    return float(f1.mean())


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    diff = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.sqrt(np.mean(diff * diff)))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    diff = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.mean(np.abs(diff)))


def roc_auc(y_true: np.ndarray, y_score: np.ndarray) -> float | None:
    """Area under the ROC curve as the Mann–Whitney statistic with average
    ranks, so tied scores count one half. None when only one class is present
    (the area is undefined)."""
    positive = np.asarray(y_true, dtype=float) == 1
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    _values, inverse, counts = np.unique(
        np.asarray(y_score, dtype=float), return_inverse=True, return_counts=True
    )
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def normalize_text(
    text: str,
    *,
    nfkc: bool = True,
    case: bool = True,
    whitespace: bool = True,
    punctuation: bool = False,
) -> str:
    """The comparable form of a free-text answer: full-width/half-width and
    compatibility forms folded (NFKC), case folded, punctuation dropped,
    runs of whitespace collapsed — each only when asked for."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if case:
        text = text.casefold()
    if punctuation:
        text = "".join(
            ch for ch in text if not unicodedata.category(ch).startswith("P")
        )
    if whitespace:
        text = " ".join(text.split())
    return text


def exact_match(y_true: Iterable[str], y_pred: Iterable[str], **normalization) -> float:
    true = [normalize_text(t, **normalization) for t in y_true]
    pred = [normalize_text(p, **normalization) for p in y_pred]
    return accuracy(np.array(true, dtype=object), np.array(pred, dtype=object))


# --- The hidden answers, ready for scoring -----------------------------------

NUMERIC_METRICS = {"rmse", "mae", "roc_auc"}


@dataclass
class AnswerKey:
    """The hidden answers of one competition, indexed for scoring."""

    metric: str
    index: dict[str, int]
    answers: np.ndarray
    private: np.ndarray
    normalization: dict = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        rows: Iterable[tuple[str, str, bool]],
        *,
        metric: str,
        normalization: dict | None = None,
    ) -> "AnswerKey":
        normalization = normalization or {}
        index: dict[str, int] = {}
        answers: list = []
        private: list[bool] = []
        for row_id, answer, is_private in rows:
            index[str(row_id)] = len(answers)
            if metric in NUMERIC_METRICS:
                answers.append(float(answer))
            elif metric == "exact_match":
                answers.append(normalize_text(str(answer), **normalization))
            else:
                answers.append(str(answer).strip())
            private.append(bool(is_private))
        dtype = float if metric in NUMERIC_METRICS else object
        return cls(
            metric=metric,
            index=index,
            answers=np.array(answers, dtype=dtype),
            private=np.array(private, dtype=bool),
            normalization=normalization,
        )

    def __len__(self) -> int:
        return len(self.index)

    @property
    def numeric(self) -> bool:
        return self.metric in NUMERIC_METRICS


@dataclass
class Result:
    problems: list[Problem]
    problem_count: int
    rows: int
    public_score: float | None = None
    private_score: float | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problems_json(self) -> list[dict]:
        shown = [p.as_json() for p in self.problems]
        hidden = self.problem_count - len(self.problems)
        if hidden > 0:
            shown.append(Problem("more", params={"count": hidden}).as_json())
        return shown


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.count = 0

    def add(self, code: str, row: int | None = None, **params) -> None:
        self.count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS or code in FILE_PROBLEMS:
            self.problems.append(Problem(code, row, params))


class _NotUtf8(Exception):
    def __init__(self, line: int):
        self.line = line


def _decoded_lines(handle: BinaryIO) -> Iterator[str]:
    """Decode line by line so a bad byte is reported on its own line."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUtf8(number) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text


def _csv_rows(handle, id_column, prediction_column, problems):
    """Yield (row number, id, prediction) from a CSV file."""
    reader = csv.reader(_decoded_lines(handle))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.add("csv", 1, detail=str(exc))
        return
    if header is None:
        problems.add("empty")
        return
    header = [name.strip() for name in header]
    expected = f"{id_column},{prediction_column}"
    if id_column not in header or prediction_column not in header:
        problems.add("header", 1, expected=expected, found=",".join(header)[:200])
        return
    id_at, prediction_at, width = (
        header.index(id_column),
        header.index(prediction_column),
        len(header),
    )
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add("csv", reader.line_num, detail=str(exc))
            return
        if not fields:
            continue  # a blank line, typically the last one
        if len(fields) != width:
            problems.add("fields", reader.line_num, found=len(fields), expected=width)
            continue
        yield reader.line_num, fields[id_at].strip(), fields[prediction_at]


def _jsonl_rows(handle, id_column, prediction_column, problems):
    seen_any = False
    for number, line in enumerate(_decoded_lines(handle), start=1):
        if not line.strip():
            continue
        seen_any = True
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if (
            not isinstance(obj, dict)
            or id_column not in obj
            or prediction_column not in obj
        ):
            problems.add("json", number, id=id_column, prediction=prediction_column)
            continue
        value = obj[prediction_column]
        yield number, str(obj[id_column]).strip(), value
    if not seen_any:
        problems.add("empty")


def _as_number(value) -> tuple[float | None, str | None]:
    """(number, problem code) for a prediction where a number is expected."""
    if isinstance(value, bool) or value is None:
        return None, "not_number"
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None, "empty_prediction"
        try:
            number = float(text)
        except ValueError:
            return None, "not_number"
    if not math.isfinite(number):
        return None, "not_finite"
    return number, None


def header_problems(
    first_line: bytes,
    *,
    file_format: str = "csv",
    id_column: str = "id",
    prediction_column: str = "prediction",
) -> list[dict]:
    """The problems of a file's first line alone, as `score_file` would
    report them: an upload with a wrong header is refused before its body is
    stored. A first line that is fine gives no problems."""
    problems = _Collector()
    rows = _csv_rows if file_format == "csv" else _jsonl_rows
    handle = io.BytesIO(first_line)
    try:
        for _row in rows(handle, id_column, prediction_column, problems):
            break
    except _NotUtf8 as exc:
        problems.add("not_utf8", exc.line)
    if not first_line.strip():
        return [Problem("empty").as_json()]
    return Result(problems.problems, problems.count, rows=0).problems_json()


def score_file(
    handle: BinaryIO,
    key: AnswerKey,
    *,
    file_format: str = "csv",
    id_column: str = "id",
    prediction_column: str = "prediction",
) -> Result:
    """Read and check a submission in one pass; score it if it is clean.

    `public_score` is the metric over the public rows, `private_score` over
    the private ones (None when a part is empty or, for an "external" metric,
    always: those scores are imported).
    """
    problems = _Collector()
    n = len(key)
    predictions: np.ndarray | list
    predictions = np.zeros(n, dtype=float) if key.numeric else [None] * n
    first_seen = np.zeros(n, dtype=np.int64)  # row where each id appeared, 0: never
    rows = _csv_rows if file_format == "csv" else _jsonl_rows
    count = 0
    index = key.index
    try:
        for row, row_id, value in rows(handle, id_column, prediction_column, problems):
            count += 1
            if count > n + MAX_REPORTED_PROBLEMS:
                # Some slack so a duplicate or unknown id is named as such.
                problems.add("too_many_rows", row, expected=n)
                break
            if not row_id:
                problems.add("no_id", row)
                continue
            position = index.get(row_id)
            if position is None:
                problems.add("unknown_id", row, id=row_id[:100])
                continue
            if first_seen[position]:
                first = int(first_seen[position])
                problems.add("duplicate_id", row, id=row_id[:100], first=first)
                continue
            first_seen[position] = row
            if key.numeric:
                number, code = _as_number(value)
                if code:
                    problems.add(code, row, value=str(value)[:100])
                    continue
                predictions[position] = number
            else:
                text = "" if value is None else str(value)
                if not text.strip():
                    problems.add("empty_prediction", row)
                    continue
                predictions[position] = text
    except _NotUtf8 as exc:
        problems.add("not_utf8", exc.line)
    missing = first_seen == 0
    if problems.count == 0 and missing.any():
        ids = list(index)
        examples = ", ".join(ids[i] for i in np.flatnonzero(missing)[:5])
        problems.add("missing_ids", count=int(missing.sum()), examples=examples)
    result = Result(problems.problems, problems.count, rows=count)
    if result.ok and key.metric != "external":
        result.public_score = _metric(key, predictions, ~key.private)
        result.private_score = _metric(key, predictions, key.private)
    return result


def _metric(key: AnswerKey, predictions, mask: np.ndarray) -> float | None:
    if not mask.any():
        return None
    y_true = key.answers[mask]
    if key.numeric:
        y_pred = predictions[mask]
    else:
        y_pred = np.array(predictions, dtype=object)[mask]
    if key.metric == "accuracy":
        return accuracy(y_true, np.array([p.strip() for p in y_pred], dtype=object))
    if key.metric == "macro_f1":
        pred = np.array([p.strip() for p in y_pred], dtype=object)
        return macro_f1(y_true.astype(str), pred.astype(str))
    if key.metric == "exact_match":
        pred = [normalize_text(p, **key.normalization) for p in y_pred]
        return accuracy(y_true, np.array(pred, dtype=object))
    if key.metric == "rmse":
        return rmse(y_true, y_pred)
    if key.metric == "mae":
        return mae(y_true, y_pred)
    if key.metric == "roc_auc":
        return roc_auc(y_true, y_pred)
    raise ValueError(f"unknown metric {key.metric}")
