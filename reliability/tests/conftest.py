"""One course with one of everything, so every page of the project can be
visited: a published homework and survey on lecture 1, a competition with an
entry and a report, a material, a job, a summary pair, a certificate."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from archives.models import Kind, Material, Upload
from competitions.models import Entry, Participant, StarterFile
from competitions.tests.conftest import load_answers, make_competition
from completion.models import Certificate, CompletionTier
from courses.models import Announcement, Enrollment
from lms.models import Job
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.models import CopyPair, Survey, SurveyResponse

SECRET_SUMMARY = "OTHER-LEARNER-SECRET-SUMMARY-7f3a"
SECRET_ENTRY = "other-secret-entry-9b1c.csv"
PRIVATE_SCORE = 0.123456789
# Another learner's question about the open homework: under the spoiler guard.
SECRET_QUESTION = "GUARDED-QUESTION-SECRET-5d2e"


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    course: object
    homework: object
    survey: object
    competition: object
    entry: object
    other_entry: object
    participant: object
    starter: object
    material: object
    upload: object
    job: object
    applicant_enrollment: object
    response: object
    copy_pair: object
    certificate: object
    notification: object
    extension: object
    question: object
    answer: object
    report: object
    attachment: object
    users: dict = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _english_and_private_files(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.ARCHIVE_UPLOAD_DIR = tmp_path / "media" / "tus"
    settings.MEDIA_ACCEL_REDIRECT = False
    with translation.override("en"):
        yield


@pytest.fixture
def world(
    course,
    learner,
    applicant,
    other_learner,
    other_staff,
    staff,
    course_admin,
    user_factory,
) -> World:
    now = timezone.now()
    lecture = course.lectures.get(number=1)
    homework = make_homework(lecture)
    survey = Survey.objects.create(
        lecture=lecture,
        opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=3),
        summary_min_chars=5,
        summary_max_chars=500,
        published=True,
    )
    classmate = user_factory(email="classmate@example.com")
    Enrollment.objects.create(
        user=classmate, course=course, status=Enrollment.Status.APPROVED
    )
    response = SurveyResponse.objects.create(
        survey=survey, user=classmate, summary=SECRET_SUMMARY
    )
    mine = SurveyResponse.objects.create(
        survey=survey, user=learner, summary="My own summary of the lecture."
    )
    copy_pair = CopyPair.objects.create(
        survey=survey, kind="pair", response=mine, other=response, similarity=0.9
    )
    competition = make_competition(course)
    load_answers(competition)
    entry = Entry.objects.create(
        competition=competition,
        user=learner,
        original_name="mine.csv",
        file=ContentFile(b"id,prediction\na0,neg\n", name="mine.csv"),
        status=Entry.Status.SCORED,
        public_score=0.5,
        private_score=PRIVATE_SCORE,
    )
    other_entry = Entry.objects.create(
        competition=competition,
        user=classmate,
        original_name=SECRET_ENTRY,
        file=ContentFile(b"id,prediction\na0,pos\n", name="theirs.csv"),
        status=Entry.Status.SCORED,
        public_score=0.25,
        private_score=PRIVATE_SCORE,
    )
    participant = Participant.objects.create(competition=competition, user=learner)
    participant.report.save("report.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    starter = StarterFile.objects.create(
        competition=competition,
        title="Starter",
        file=ContentFile(b"id\na0\n", name="starter.csv"),
    )
    material = Material.objects.create(
        lecture=lecture,
        kind=Kind.SLIDES,
        title="Slides",
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="slides.pdf"),
        original_name="slides.pdf",
        content_type="application/pdf",
        state=Material.State.READY,
        published=True,
    )
    material.poster.save("poster.jpg", ContentFile(b"\xff\xd8\xff\xe0jpeg"))
    upload = Upload.objects.create(
        owner=course_admin, lecture=lecture, kind=Kind.SLIDES, length=10
    )
    job = Job.objects.create(kind="test", course=course, created_by=staff)
    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    certificate = Certificate.objects.create(
        enrollment=learner.enrollments.get(course=course),
        course=course,
        number=1,
        serial="LLM-000001",
        tier=tier,
    )
    Announcement.objects.create(course=course, title="Hello", body="Welcome")
    # The learner's own notification, and an extension granted to another
    # learner (its reason is for staff only).
    from courses.models import Extension
    from notifications.models import Kind as NotificationKind
    from notifications.models import Notification

    notification = Notification.objects.create(
        recipient=learner, kind=NotificationKind.ANNOUNCEMENT, course=course, url="/"
    )
    extension = Extension.objects.create(
        course=course,
        user=other_learner,
        scope=Extension.Scope.ALL,
        extra_time=timedelta(days=2),
        reason="EXTENSION-REASON-SECRET",
        granted_by=staff,
    )
    # Q&A: the learner's public question with an answer and an image, and
    # the classmate's question about the open homework (guarded).
    from discussions.models import Answer, Attachment, Question, Report, Topic

    question = Question.objects.create(
        course=course, author=learner, title="Where are the slides?", body="?"
    )
    answer = Answer.objects.create(question=question, author=staff, body="Here.")
    image = _png()
    attachment = Attachment.objects.create(
        question=question,
        uploaded_by=learner,
        file=ContentFile(image, name="plot.png"),
        content_type="image/png",
        size=len(image),
    )
    Question.objects.create(
        course=course,
        author=classmate,
        topic=Topic.HOMEWORK,
        lecture=lecture,
        title=f"Is Q1 (a)? {SECRET_QUESTION}",
        body=f"I chose (a). {SECRET_QUESTION}",
        is_faq=True,  # the lecture page's FAQ must not show it either
    )
    report = Report.objects.create(reporter=learner, answer=answer, reason="Rude")
    return World(
        question=question,
        answer=answer,
        report=report,
        attachment=attachment,
        notification=notification,
        extension=extension,
        course=course,
        homework=homework,
        survey=survey,
        competition=competition,
        entry=entry,
        other_entry=other_entry,
        participant=participant,
        starter=starter,
        material=material,
        upload=upload,
        job=job,
        applicant_enrollment=applicant.enrollments.get(course=course),
        response=response,
        copy_pair=copy_pair,
        certificate=certificate,
        users={
            "anonymous": None,
            "applicant": applicant,
            "learner": learner,
            "other_learner": other_learner,
            "other_staff": other_staff,
            "staff": staff,
            "admin": course_admin,
        },
    )
