"""What each kind of notification says, given its params. Kept as format
strings so a notification reads in the reader's language whenever shown."""

from django.utils.translation import gettext_lazy as _

from notifications.models import Kind

TEXTS = {
    Kind.APPLICATION_DECIDED: _("Your application to %(course)s was decided."),
    Kind.ANNOUNCEMENT: _("New announcement in %(course)s: %(title)s"),
    Kind.SUMMARY_NEEDS_REVISION: _("%(title)s was sent back for revision."),
    Kind.HOMEWORK_REVEALED: _("The results of %(title)s are revealed."),
    Kind.ENTRY_SCORED: _("Your competition entry in %(course)s was scored."),
    Kind.ENTRY_REFUSED: _("Your competition entry in %(course)s was refused."),
    Kind.CERTIFICATE_ISSUED: _("Your certificate for %(course)s is issued."),
    Kind.CERTIFICATE_CORRECTED: _("Your certificate for %(course)s was corrected."),
    Kind.DEADLINE_REMINDER: _("%(title)s is due %(due)s and not submitted yet."),
    Kind.EXTENSION_GRANTED: _("You were given more time: %(title)s is due %(due)s."),
    Kind.JOB_FINISHED: _("Finished: %(title)s"),
    Kind.JOB_FAILED: _("Failed: %(title)s"),
    Kind.CORRECTION_REQUESTED: _("A correction was requested in %(course)s."),
    Kind.QUESTION_POSTED: _("New question in %(category)s: %(title)s"),
    Kind.QUESTION_ANSWERED: _("New answer to “%(title)s” (%(category)s)"),
    Kind.ANSWER_ENDORSED: _("Staff endorsed an answer to “%(title)s” (%(category)s)"),
}


# A deadline's item, named as on "this week" and in the calendar feed.
ITEM_TITLES = {
    "homework": _("Homework: lecture %(number)s"),
    "survey": _("Lecture summary: lecture %(number)s"),
}


# A Q&A category (`topic`, and `number` for a lecture's), named as on the
# course's questions page.
TOPIC_TITLES = {
    "general": _("General"),
    "lecture": _("Lecture %(number)s"),
    "homework": _("Homework: lecture %(number)s"),
    "survey": _("Survey: lecture %(number)s"),
    "competition": _("Competition"),
}


class _Params(dict):
    """Missing params read as empty, so an old row never breaks a page."""

    def __missing__(self, key: str) -> str:
        return ""


def notification_text(kind: str, params: dict) -> str:
    template = TEXTS.get(kind)
    if template is None:
        return str(Kind(kind).label) if kind in Kind.values else kind
    values = _Params({k: str(v) for k, v in (params or {}).items()})
    if values.get("item") in ITEM_TITLES:
        values["title"] = str(ITEM_TITLES[values["item"]]) % values
    if values.get("topic") in TOPIC_TITLES:
        values["category"] = str(TOPIC_TITLES[values["topic"]]) % values
    return str(template) % values
