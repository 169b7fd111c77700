import random
import time

import pytest
from django.urls import reverse

from conftest import wait_for
from courses.models import Enrollment
from lms.models import Job
from quizzes.surveys.copydetect import find_copies, jaccard, normalise, shingles
from quizzes.surveys.models import CopyPair, SurveyResponse
from quizzes.surveys.tests.summaries import VOCABULARY, generated_summaries


def lightly_edited(text: str) -> str:
    """A copy with a sentence added, another's punctuation and spacing changed."""
    middle = len(text) // 2
    return (
        text[:middle].replace("。", "．")
        + "\n\n私もそう思いました。"
        + text[middle:].replace("トークン", "ﾄｰｸﾝ")
    )


def test_normalising_folds_width_case_punctuation_and_spacing():
    assert normalise("ＡＢＣ，ｄｅｆ！ 注意 機構。") == "abcdef注意機構"
    assert (
        jaccard(shingles("注意機構を学んだ。"), shingles("注意 機構を、学んだ")) == 1.0
    )


@pytest.mark.timing
def test_planted_near_duplicates_are_found_among_thousands_in_seconds():
    texts = generated_summaries(4000)
    planted = {(10, 3999), (1234, 2500), (77, 3000)}
    for original, copy in planted:
        texts[copy] = lightly_edited(texts[original])
    started = time.monotonic()
    result = find_copies(texts)
    elapsed = time.monotonic() - started
    found = {(m.left, m.right) for m in result.pairs}
    assert found == planted
    assert all(m.similarity >= 0.5 for m in result.pairs)
    assert elapsed < 10, f"took {elapsed:.1f}s"
    # LSH keeps the exact comparisons to a sliver of the 8 million pairs
    assert result.candidates < 80_000


def test_distinct_summaries_are_not_flagged():
    result = find_copies(generated_summaries(1500, seed=99))
    assert result.pairs == []


def test_summaries_that_mostly_copy_the_lecture_description_are_listed():
    description = generated_summaries(1, seed=1)[0]
    texts = generated_summaries(200, seed=2)
    texts[5] = description[: len(description) * 3 // 4] + "以上です。"
    result = find_copies(texts, reference=description)
    assert [m.left for m in result.reference_copies] == [5]
    assert result.reference_copies[0].similarity > 0.9


def test_empty_and_tiny_summaries_do_not_break_detection():
    result = find_copies(["", "短い", "短い", "。。。"])
    assert [(m.left, m.right) for m in result.pairs] == [(1, 2)]


def _fill_survey(survey, user_factory, course, texts):
    users = [user_factory() for _ in texts]
    Enrollment.objects.bulk_create(
        [Enrollment(user=u, course=course, status="approved") for u in users]
    )
    return SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(survey=survey, user=u, summary=t)
            for u, t in zip(users, texts, strict=True)
        ]
    )


@pytest.mark.django_db
def test_staff_start_detection_and_compare_a_pair_side_by_side(
    client, staff, survey, user_factory, course, django_capture_on_commit_callbacks
):
    texts = generated_summaries(6)
    texts[5] = lightly_edited(texts[0])
    rows = _fill_survey(survey, user_factory, course, texts)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_survey_copies_run", args=["llm", 2]))
    pair = CopyPair.objects.get()
    assert {pair.response_id, pair.other_id} == {rows[0].pk, rows[5].pk}
    job = Job.objects.get(kind="survey_copies")
    assert job.state == "done"
    page = client.get(reverse("staff_survey_copies", args=["llm", 2]))
    assert page.status_code == 200
    side_by_side = client.get(
        reverse("staff_survey_copy_pair", args=["llm", 2, pair.pk])
    )
    assert texts[0] in side_by_side.text
    assert "私もそう思いました" in side_by_side.text


@pytest.mark.django_db
def test_a_second_run_replaces_the_results_instead_of_adding_to_them(
    survey, user_factory, course
):
    from quizzes.surveys.services import survey_detect_copies_now

    texts = generated_summaries(4)
    texts[3] = texts[0]
    _fill_survey(survey, user_factory, course, texts)
    survey_detect_copies_now(survey=survey)
    survey_detect_copies_now(survey=survey)
    assert CopyPair.objects.filter(kind="pair").count() == 1


@pytest.mark.django_db
def test_the_beat_sweep_checks_surveys_past_their_due_time_once(
    survey, user_factory, course, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.surveys.tasks import survey_detect_copies_due

    texts = generated_summaries(3)
    texts[2] = texts[1]
    _fill_survey(survey, user_factory, course, texts)
    assert survey_detect_copies_due() == 0  # not due yet
    survey.due_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert survey_detect_copies_due() == 1
    assert CopyPair.objects.count() == 1
    assert survey_detect_copies_due() == 0  # nothing changed since


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_copy_detection_runs_on_a_real_worker(
    celery_worker, survey, user_factory, course
):
    from quizzes.surveys.services import survey_start_copy_detection

    texts = generated_summaries(300)
    texts[299] = lightly_edited(texts[3])
    rows = _fill_survey(survey, user_factory, course, texts)
    job = survey_start_copy_detection(survey=survey)
    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=60)
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert job.result["pairs"] == 1
    pair = CopyPair.objects.get()
    assert {pair.response_id, pair.other_id} == {rows[3].pk, rows[299].pk}


@pytest.mark.django_db
def test_a_run_lost_on_the_way_to_a_worker_is_resumed_by_the_job_sweep(
    survey, user_factory, course, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from lms.jobs import jobs_resume_stale
    from quizzes.surveys.services import COPY_JOB_KIND, survey_start_copy_detection

    texts = generated_summaries(3)
    texts[2] = texts[0]
    _fill_survey(survey, user_factory, course, texts)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    lost = Job.objects.create(
        kind=COPY_JOB_KIND,
        params={"survey_id": survey.pk},
        created_at=two_hours_ago,
        heartbeat_at=two_hours_ago,
    )
    # Asking again does not start a second run beside the lost one...
    assert survey_start_copy_detection(survey=survey).pk == lost.pk
    # ...the sweep sends the lost one again.
    with django_capture_on_commit_callbacks(execute=True):
        jobs_resume_stale()
    lost.refresh_from_db()
    assert lost.state == "done"
    assert CopyPair.objects.count() == 1


def near_duplicate_heavy(count: int, *, share: float = 0.7) -> list[str]:
    """Most summaries lightly edited from one of ten: a template passed around."""
    texts = generated_summaries(count)
    rng = random.Random(3)
    for i in range(10, int(count * share)):
        texts[i] = lightly_edited(rng.choice(texts[:10])) + rng.choice(VOCABULARY)
    return texts


def test_near_identical_summaries_make_candidates_linear_not_quadratic():
    """1,400 near-identical summaries used to make a million candidate pairs
    per LSH band; each is now compared with a bounded number of neighbours,
    and every copy is still linked to others of its group."""
    from quizzes.surveys.copydetect import BANDS, BUCKET_CAP

    texts = near_duplicate_heavy(2000)
    progress = []
    result = find_copies(texts, progress=progress.append)
    copies = int(2000 * 0.7)
    assert result.candidates <= 2000 * BUCKET_CAP * BANDS
    assert result.candidates < 100_000  # all pairs: ~980,000
    linked = {m.left for m in result.pairs} | {m.right for m in result.pairs}
    assert set(range(copies)) <= linked
    assert progress[-1] == 2000 and progress == sorted(progress)
    assert len(progress) > 40  # a heartbeat all the way through


@pytest.mark.django_db
def test_the_sweep_stops_starting_a_detection_that_keeps_failing(
    survey, user_factory, course, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.surveys.services import COPY_JOB_KIND
    from quizzes.surveys.tasks import survey_detect_copies_due

    settings.JOB_MAX_ATTEMPTS = 3
    _fill_survey(survey, user_factory, course, generated_summaries(3))
    survey.due_at = timezone.now() - timedelta(hours=1)
    survey.save()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=False):
            assert survey_detect_copies_due() == 1
        Job.objects.filter(kind=COPY_JOB_KIND).update(
            state=Job.State.FAILED, error="SoftTimeLimitExceeded()"
        )

    assert survey_detect_copies_due() == 0
    SurveyResponse.objects.filter(survey=survey).update(updated_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert survey_detect_copies_due() == 1  # changed summaries: tried again
