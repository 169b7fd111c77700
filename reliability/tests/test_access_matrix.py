"""Every page of the project, visited by every kind of person.

The list of pages comes from the URL resolver, so a page added tomorrow is
visited too; a page that no rule below classifies fails the test until
someone decides who may see it."""

import re

import pytest
from django.conf import settings
from django.core import signing
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

from archives.tus import TOKEN_SALT
from reliability.tests.conftest import (
    PRIVATE_SCORE,
    SECRET_ENTRY,
    SECRET_QUESTION,
    SECRET_SUMMARY,
)

ROLES = [
    "anonymous",
    "applicant",
    "learner",
    "other_learner",
    "other_staff",
    "staff",
    "admin",
]

OK, LOGIN, DENIED = "ok", "login", "denied"

PUBLIC = dict.fromkeys(ROLES, OK)
SIGNED_IN = PUBLIC | {"anonymous": LOGIN}
LEARNERS = {
    "anonymous": LOGIN,
    "applicant": DENIED,
    "learner": OK,
    "other_learner": DENIED,
    "other_staff": DENIED,
    "staff": OK,
    "admin": OK,
}
STAFF = LEARNERS | {"learner": DENIED}
ADMINS = STAFF | {"staff": DENIED}
# The calendar feed takes its token from the query string, never a session:
# without the token it is not found for anyone.
TOKEN_ONLY = dict.fromkeys(ROLES, DENIED)
# The certificate's PDF: its learner and the course's staff (404 otherwise,
# so a guessed code reveals nothing).
CERTIFICATE_PDF = STAFF | {"learner": OK, "anonymous": DENIED}
# A job's progress bar: its creator and the staff of its course.
JOB = STAFF
# Withdrawing (its confirmation page) is for whoever applied; asking to
# rejoin for whoever withdrew (no one in this world): not found for others.
WITHDRAW = dict.fromkeys(ROLES, DENIED) | {
    "anonymous": LOGIN,
    "applicant": OK,
    "learner": OK,
}
REJOIN = dict.fromkeys(ROLES, DENIED) | {"anonymous": LOGIN}

# A link whose token is its credential, visited with a forged token.
FORGED_TOKEN = dict.fromkeys(ROLES, DENIED)
# One-click unsubscribe with a forged token: a 400 page saying the link is
# not valid, for anyone; nothing changes.
UNSUBSCRIBE = PUBLIC
# Marking a notification read (the learner's): anyone else is sent back to
# their own list with "not found"; nothing is marked (notifications' tests).
OWN_NOTIFICATION = SIGNED_IN

# Pages that only a course admin may use (staff of the course get 403).
ADMIN_ONLY = {
    "homework_import",
    "staff_survey_settings",
    "tus_uploads",
    "tus_upload",
    "staff_materials",
    "material_publish",
    "material_delete",
    "staff_completion_run_start",
    # The course set-up, the schedule and homework authoring (issue 20).
    "staff_setup",
    "homework_defaults",
    "survey_defaults",
    "staff_lecture_new",
    "staff_lecture_edit",
    "staff_lecture_publish",
    "staff_lecture_move",
    "staff_lectures_generate",
    "staff_lectures_shift",
    "staff_lectures_reset",
    "homework_edit",
    "staff_survey_edit",
}

# First match wins. Routes are the patterns as written in urls.py.
RULES = [
    (r"^staff/<slug:slug>/", STAFF),
    (
        r"^courses/<slug:slug>/(lectures|competition|progress|materials|questions)/",
        LEARNERS,
    ),
    (r"^courses/<slug:slug>/calendar/renew/$", LEARNERS),
    (r"^courses/<slug:slug>/calendar\.ics$", TOKEN_ONLY),
    (r"^courses/<slug:slug>/apply/$", SIGNED_IN),
    (r"^courses/<slug:slug>/withdraw/$", WITHDRAW),
    (r"^courses/<slug:slug>/rejoin/$", REJOIN),
    (r"^courses/<slug:slug>/$", PUBLIC),
    (r"^certificates/<str:code>\.pdf$", CERTIFICATE_PDF),
    (r"^certificates/", PUBLIC),
    (r"^\.well-known/did\.json$", PUBLIC),  # the certificate issuer's keys
    (r"^jobs/", JOB),
    (r"^accounts/profile/$", SIGNED_IN),
    (r"^accounts/notifications/$", SIGNED_IN),
    # The unsubscribe link's signed token is its only credential (no sign-in):
    # a forged one opens nothing, for anyone.
    (r"^notifications/unsubscribe/", UNSUBSCRIBE),
    (r"^notifications/<int:notification_id>/", OWN_NOTIFICATION),
    (r"^notifications/", SIGNED_IN),
    # A staff invitation's token is its credential; a forged one is not found.
    (r"^invitations/<str:token>/$", FORGED_TOKEN),
    (r"^(|healthz|i18n/setlang/)$", PUBLIC),
]


def headers_for(name: str, world, role: str) -> dict:
    """tus refuses requests without its protocol header and a signed upload
    token before anything else: send what the upload page would send."""
    if not name.startswith("tus_"):
        return {}
    user = world.users[role]
    token = signing.dumps(
        {"u": user.pk if user else None, "c": world.course.pk}, salt=TOKEN_SALT
    )
    return {"Tus-Resumable": "1.0.0", "Upload-Token": token}


def project_patterns(patterns=None, prefix=""):
    """(route, name) of every page, skipping the admin's internals, allauth
    (tested by allauth; our login rate limits are tested separately) and
    static files."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_name, "__name__", "")
            if route.startswith("admin/") or module.startswith("allauth"):
                continue
            yield from project_patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            if entry.callback.__module__.startswith("django.views.static"):
                continue
            yield route, entry.name


def rule_for(route: str) -> dict:
    for pattern, expected in RULES:
        if re.search(pattern, route):
            return expected
    pytest.fail(f"no access rule for {route!r}: add one to RULES")


def fill(route: str, name: str, world) -> str:
    """The route with its parameters taken from the world's objects."""
    pk = {
        "competition_select": world.entry.pk,
        "staff_competition_entry_file": world.entry.pk,
        "competition_starter_file": world.starter.pk,
        "staff_competition_report": world.participant.pk,
        "question_detail": world.question.pk,
        "question_answer": world.question.pk,
        "question_comment": world.question.pk,
        "question_vote": world.question.pk,
        "question_solve": world.question.pk,
        "answer_endorse": world.answer.pk,
        "discussion_attachment": world.attachment.pk,
        "staff_question_merge": world.question.pk,
    }
    values = {
        "slug": world.course.slug,
        "number": 1,
        "job_id": world.job.pk,
        "enrollment_id": world.applicant_enrollment.pk,
        "material_id": world.material.pk,
        "filename": world.material.download_name,
        "upload_id": world.upload.pk,
        "response_id": world.response.pk,
        "pair_id": world.copy_pair.pk,
        "code": world.certificate.code,
        "token": "forged-token",
        "notification_id": world.notification.pk,
        "extension_id": world.extension.pk,
        "question_id": world.question.pk,
        "report_id": world.report.pk,
    }

    if name == "staff_completion_override":
        # overrides are for approved learners; an applicant's id is a 404
        values["enrollment_id"] = world.certificate.enrollment_id

    def value(match):
        param = match.group(2)
        if param == "pk":
            if name not in pk:
                pytest.fail(f"{name}: which object is <pk>? Add it to fill()")
            return str(pk[name])
        if param not in values:
            pytest.fail(f"{name}: no object for <{param}>; add one to fill()")
        return str(values[param])

    return "/" + re.sub(r"<(\w+:)?(\w+)>", value, route)


def outcome(response) -> str:
    status = response.status_code
    if status == 401 or (
        status in (301, 302, 303)
        and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    ):
        return LOGIN
    if status in (403, 404):
        return DENIED
    if status >= 500 and status != 503:
        return f"error {status}"
    return OK


def visit(client, path: str, expected: str, headers: dict):
    response = client.get(path, headers=headers)
    if response.status_code == 405 and expected != OK:
        # A form-only page: the refusal must hold for the POST too.
        response = client.post(path, headers=headers)
    return response


def body_of(response) -> str:
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return content.decode(errors="replace")


def client_for(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_has_an_access_rule(db):
    routes = list(project_patterns())
    assert len(routes) > 40
    for route, _name in routes:
        rule_for(route)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_admits_exactly_who_it_should(client, world, role):
    client_for(client, world, role)
    wrong = []
    for route, name in project_patterns():
        expected = rule_for(route)[role]
        if name in ADMIN_ONLY and role == "staff":
            expected = DENIED
        path = fill(route, name, world)
        response = visit(client, path, expected, headers_for(name, world, role))
        got = outcome(response)
        if got != expected:
            wrong.append(f"{path} ({name}): {got} [{response.status_code}]")
    assert not wrong, f"{role} expected otherwise on:\n" + "\n".join(wrong)


def test_admin_is_only_for_the_site_operator(client, world, user_factory):
    assert client.get("/admin/").status_code == 302
    client.force_login(world.users["admin"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


SECRETS = {
    "another learner's summary": SECRET_SUMMARY,
    "another learner's entry": SECRET_ENTRY,
    "a private score": f"{PRIVATE_SCORE:.3f}"[:5],
    "a choice's feedback": "Feedback 1.",
    "a question's explanation": "Because of reason",
    "the answer key marker": "KEY-MARKER",
    "an extension's reason (staff only)": "EXTENSION-REASON-SECRET",
    "another learner's question about the open homework": SECRET_QUESTION,
}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_no_learner_response_shows_keys_or_other_learners_work(client, world, htmx):
    # The correct choices carry a marker; no learner page may show it before
    # the answers are revealed (the homework is due in six days).
    for question in world.homework.questions.all():
        question.choices.filter(is_correct=True).update(feedback="KEY-MARKER")
    client.force_login(world.users["learner"])
    headers = {"HX-Request": "true"} if htmx else {}
    leaks, seen = [], ""
    for route, name in project_patterns():
        if rule_for(route)["learner"] != OK:
            continue
        path = fill(route, name, world)
        response = client.get(
            path, headers=headers_for(name, world, "learner") | headers
        )
        if response.status_code != 200:
            continue
        body = body_of(response)
        seen += body
        for what, secret in SECRETS.items():
            if secret in body:
                leaks.append(f"{path} ({name}) shows {what}")
    assert not leaks, "\n".join(leaks)
    # The learner's own entry and summary are listed, so the scan reads the
    # very places where somebody else's would leak.
    assert world.entry.original_name in seen
    assert "My own summary of the lecture." in seen


def test_the_scanned_secrets_do_show_on_staff_pages(client, world):
    """The scan above would see a leak: the same markers are on the pages
    staff use."""
    for question in world.homework.questions.all():
        question.choices.filter(is_correct=True).update(feedback="KEY-MARKER")
    client.force_login(world.users["admin"])
    seen = ""
    for route, name in project_patterns():
        # The course's questions are staff's own pages too (they answer there).
        if not route.startswith(("staff/", "courses/<slug:slug>/questions/")):
            continue
        response = client.get(
            fill(route, name, world), headers=headers_for(name, world, "admin")
        )
        if response.status_code == 200:
            seen += body_of(response)
    # (Staff list entries by learner, not by file name: the learner's own
    # file name showing on their page is checked in the scan above.)
    missing = [
        what
        for what, secret in SECRETS.items()
        if secret not in seen and secret != SECRET_ENTRY
    ]
    assert not missing
