"""Floor views for the deadline-spike benchmark, served by the same gunicorn
as the app only when BENCH_VIEWS=1 (never in production URLs)."""

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

SUBMIT_SQL = """
WITH s AS (
    INSERT INTO quizzes_submission
        (homework_id, user_id, submitted_at, is_late, revision, token)
    VALUES (%s, %s, now(), false, 1, gen_random_uuid())
    ON CONFLICT (homework_id, user_id) DO UPDATE
        SET revision = quizzes_submission.revision + 1,
            token = EXCLUDED.token, submitted_at = EXCLUDED.submitted_at
    RETURNING id
)
INSERT INTO quizzes_submissionanswer (submission_id, question_id, choice_id)
SELECT s.id, a.question_id, a.choice_id
FROM s, unnest(%s::bigint[], %s::bigint[]) AS a(question_id, choice_id)
ON CONFLICT (submission_id, question_id) DO UPDATE SET choice_id = EXCLUDED.choice_id
"""


def noop(request: HttpRequest) -> HttpResponse:
    """Floor (a): the stack with no database work at all."""
    return HttpResponse(b"ok", content_type="text/plain")


@csrf_exempt
def submit_floor(request: HttpRequest) -> HttpResponse:
    """Floor (c): a homework submission's database work in one statement, with
    no session, no permission check, no form parsing beyond a JSON body."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            SUBMIT_SQL,
            [body["homework"], body["user"], body["questions"], body["choices"]],
        )
    return HttpResponse(status=204)
