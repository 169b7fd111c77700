"""Who may do what in a course's Q&A: the one place views, templates and
services ask. Seeing a post is `Question.objects.visible_to` (models.py);
these decide the actions on what one can see."""

from courses.models import Course
from discussions.models import Question


def may_take_part(user, course: Course) -> bool:
    """Ask, answer, comment and vote: an approved learner or staff of the
    course."""
    return course.can_view_content(user)


def may_moderate(user, course: Course) -> bool:
    """Endorse, pin, lock, hide, delete, FAQ, make public, merge: staff."""
    return getattr(user, "is_authenticated", False) and course.is_staff(user)


def may_reply(user, question: Question) -> bool:
    """Answer or comment: takes part, and the question is not locked."""
    return may_take_part(user, question.course) and not question.locked


def may_vote(user, question: Question) -> bool:
    """ "I have this question too": approved learners but the asker (who
    has it by asking), on a question not locked. Staff do not vote: the
    count says how many learners share the question."""
    return (
        may_reply(user, question)
        and question.course.is_learner(user)
        and question.author_id != user.pk
    )


def may_mark_solved(user, question: Question) -> bool:
    """The asker, or staff for them."""
    if question.locked and not may_moderate(user, question.course):
        return False
    return question.author_id == user.pk or may_moderate(user, question.course)
