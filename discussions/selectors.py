"""Reads for the Q&A pages: the list (filters, keyset pages, per-category
counts) and a question's thread. Every read starts from the one visibility
rule (`visible_to`), so a count or a page never includes a question the
viewer may not see."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When

from courses.models import Course, Lecture
from discussions import search
from discussions.models import (
    Answer,
    Attachment,
    Category,
    Comment,
    Question,
    Topic,
)

PAGE_SIZE = 30


class Sort:
    TOP = "top"  # pinned, then most "I have this question too"
    NEW = "new"  # newest first


@dataclass(frozen=True)
class ListFilters:
    category: Category | None = None
    mine: bool = False
    unanswered: bool = False
    sort: str = Sort.TOP
    query: str = ""  # search words (`discussions.search`)

    @property
    def search_terms(self) -> list[str]:
        return search.terms_of(self.query)


def visible_questions(course: Course, user, now: datetime, *, is_staff: bool):
    return Question.objects.visible_to(user, course, now, is_staff=is_staff)


def question_page(
    *,
    course: Course,
    user,
    now: datetime,
    is_staff: bool,
    filters: ListFilters,
    after: str | None = None,
) -> tuple[list[Question], str | None]:
    """One page of the list and the cursor of the next (None on the last).
    Keyset pagination: the cursor is the last row's sort key, so page 200
    costs what page 1 costs and a new question does not shift the pages."""
    questions = visible_questions(course, user, now, is_staff=is_staff)
    category = filters.category
    if category is not None:
        questions = questions.filter(
            topic=category.topic, lecture__number=category.lecture_number
        )
    if filters.mine:
        questions = questions.filter(author=user)
    if filters.unanswered:
        questions = questions.filter(answers_count=0)
    if filters.query:
        questions = search.search(questions, filters.query)
    if filters.sort == Sort.NEW:
        questions = questions.order_by("-id")
        position = _parse_cursor(after, parts=1)
        if position:
            questions = questions.filter(id__lt=position[0])
    else:
        questions = questions.listed()
        position = _parse_cursor(after, parts=3)
        if position:
            pinned, votes, last_id = position
            pinned = bool(pinned)
            questions = questions.filter(
                Q(pinned__lt=pinned)
                | Q(pinned=pinned, votes_count__lt=votes)
                | Q(pinned=pinned, votes_count=votes, id__lt=last_id)
            )
    rows = list(questions.select_related("author", "lecture")[: PAGE_SIZE + 1])
    for row in rows:
        row.course = course  # their links need the slug: no query per row
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    last = rows[-1]
    if filters.sort == Sort.NEW:
        return rows, str(last.pk)
    return rows, f"{int(last.pinned)}.{last.votes_count}.{last.pk}"


def _parse_cursor(cursor: str | None, *, parts: int) -> list[int] | None:
    """The numbers of a cursor, or None for a missing or mangled one (the
    list then starts from the top)."""
    pieces = (cursor or "").split(".")
    if len(pieces) != parts or not all(piece.isdigit() for piece in pieces):
        return None
    return [int(piece) for piece in pieces]


def category_counts(
    course: Course, user, now: datetime, *, is_staff: bool
) -> list[tuple[Category, int]]:
    """How many questions the viewer can see in each category (one query),
    general and competition first, then by lecture."""
    rows = (
        visible_questions(course, user, now, is_staff=is_staff)
        .order_by()
        .values("topic", "lecture__number")
        .annotate(n=Count("id"))
    )
    counts = [
        (Category(row["topic"], row["lecture__number"]), row["n"]) for row in rows
    ]
    order = list(Topic.values)
    return sorted(
        counts,
        key=lambda item: (
            item[0].lecture_number or 0,
            order.index(item[0].topic),
        ),
    )


def category_choices(course: Course, *, include_unpublished: bool) -> list[Category]:
    """What a question can be filed under: general, each published lecture
    (with its homework and survey when it has them), the competition when
    the course has one."""
    lectures = Lecture.objects.filter(course=course).order_by("number")
    if not include_unpublished:
        lectures = lectures.filter(published=True)
    lectures = lectures.annotate(
        has_homework=Count("homework", filter=Q(homework__published=True)),
        has_survey=Count("survey", filter=Q(survey__published=True)),
    ).values_list("number", "has_homework", "has_survey")
    choices = [Category(Topic.GENERAL)]
    for number, has_homework, has_survey in lectures:
        choices.append(Category(Topic.LECTURE, number))
        if has_homework:
            choices.append(Category(Topic.HOMEWORK, number))
        if has_survey:
            choices.append(Category(Topic.SURVEY, number))
    if course.competitions.exists():
        choices.append(Category(Topic.COMPETITION))
    return choices


def question_thread(
    question: Question, user, now: datetime, *, is_staff: bool
) -> list[Answer]:
    """The question's answers the viewer may see, endorsed first, then the
    solving one, then oldest first; with their comments and images (a fixed
    number of queries however long the thread)."""
    course = question.course
    comments = Comment.objects.visible_to(
        user, course, now, is_staff=is_staff, question_id=question.pk
    ).select_related("author")
    return list(
        Answer.objects.visible_to(
            user, course, now, is_staff=is_staff, question_id=question.pk
        )
        .select_related("author", "endorsed_by")
        .prefetch_related(
            Prefetch("comments", queryset=comments.order_by("id")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
        )
        .annotate(
            first=Case(
                When(endorsed_at__isnull=False, then=Value(0)),
                When(pk=question.solved_answer_id or 0, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("first", "id")
    )


def question_comments(question: Question, user, now: datetime, *, is_staff: bool):
    return list(
        Comment.objects.visible_to(
            user, question.course, now, is_staff=is_staff, question_id=question.pk
        )
        .filter(question=question)
        .select_related("author")
        .order_by("id")
    )
