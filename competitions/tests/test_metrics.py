"""Each metric agrees with scikit-learn (used here only, never at runtime)."""

import numpy as np
import pytest
from sklearn import metrics as sk

from competitions import metrics

RNG = np.random.default_rng(8)


def labels(n, classes=("cat", "dog", "fox")):
    return np.array(RNG.choice(classes, size=n), dtype=object)


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_accuracy_matches_scikit_learn(n):
    y_true, y_pred = labels(n), labels(n)

    assert metrics.accuracy(y_true, y_pred) == pytest.approx(
        sk.accuracy_score(y_true, y_pred)
    )


@pytest.mark.parametrize("n", [5, 50, 2000])
def test_macro_f1_matches_scikit_learn_including_classes_never_predicted(n):
    y_true = labels(n, ("a", "b", "c", "d"))
    y_pred = labels(n, ("a", "b", "e"))  # d never predicted, e never true

    assert metrics.macro_f1(y_true, y_pred) == pytest.approx(
        sk.f1_score(y_true, y_pred, average="macro", zero_division=0)
    )


def test_macro_f1_of_a_perfect_prediction_is_one():
    y = labels(30)

    assert metrics.macro_f1(y, y) == 1.0


def test_rmse_and_mae_match_scikit_learn():
    y_true, y_pred = RNG.normal(size=500), RNG.normal(size=500)

    assert metrics.rmse(y_true, y_pred) == pytest.approx(
        sk.root_mean_squared_error(y_true, y_pred)
    )
    assert metrics.mae(y_true, y_pred) == pytest.approx(
        sk.mean_absolute_error(y_true, y_pred)
    )


@pytest.mark.parametrize("resolution", [None, 10, 2])
def test_roc_auc_matches_scikit_learn_with_and_without_ties(resolution):
    y_true = RNG.integers(0, 2, size=800)
    y_score = RNG.random(800)
    if resolution:
        y_score = np.round(y_score * resolution) / resolution  # many ties

    assert metrics.roc_auc(y_true, y_score) == pytest.approx(
        sk.roc_auc_score(y_true, y_score)
    )


def test_roc_auc_counts_a_tie_between_classes_as_one_half():
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)


def test_roc_auc_is_undefined_when_only_one_class_is_present():
    assert metrics.roc_auc([1, 1, 1], [0.1, 0.2, 0.3]) is None


def test_exact_match_normalises_width_case_whitespace_and_punctuation():
    truth = ["Ｔｏｋｙｏ Tower", "Mt. Fuji", "Kyoto"]
    predicted = ["tokyo  tower", "mt fuji", "Osaka"]

    loose = metrics.exact_match(truth, predicted, punctuation=True)
    strict = metrics.exact_match(
        truth, predicted, nfkc=False, case=False, whitespace=False
    )

    assert loose == pytest.approx(2 / 3)
    assert strict == 0.0
    assert loose == pytest.approx(
        sk.accuracy_score(
            [metrics.normalize_text(t, punctuation=True) for t in truth],
            [metrics.normalize_text(p, punctuation=True) for p in predicted],
        )
    )
