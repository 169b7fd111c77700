"""Finding questions: the search over titles, bodies and answers on the list
page, and the "similar questions" a learner sees while typing a title.

Both start from `Question.objects.visible_to` (the one visibility rule), so a
question under the spoiler guard is never found by, or suggested to, another
learner.

On PostgreSQL each word of the query is a `LIKE` (no letter case, as in
Japanese) or `ILIKE` (English) against the columns, which pg_trgm's GIN
indexes answer for words of three characters or more (migration
`0002_search_trigram_indexes`; the databases' `C.UTF-8` character type makes
kanji and kana word characters, so Japanese text has trigrams too). A word
of two characters ("勾配") has no trigram and is found by scanning the
course's questions; `bench/bench_discussions.py` measures both. SQLite, for
`make run`, gets the same query with Django's `icontains` and no index.

Hostile input costs its sender only: the query is cut to
`MAX_QUERY_CHARS` and `MAX_TERMS` words, `%`, `_` and `\\` are matched as
themselves, and highlights escape the text around each `<mark>`.
"""

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import F, Lookup, Q, QuerySet, Value
from django.db.models.fields import CharField
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from discussions.models import Answer, PostState, Question
from lms.search import contains

MAX_QUERY_CHARS = 100
MAX_TERMS = 5
# Similar questions: how many, from how long a title, and how alike (pg_trgm's
# word similarity: the share of the typed title's trigrams found in a run of
# the other title).
SIMILAR_LIMIT = 5
SIMILAR_MIN_CHARS = 4
SIMILAR_THRESHOLD = 0.3
SNIPPET_CHARS = 160

# Runs of kanji, katakana or Latin letters and digits: hiragana (particles and
# endings) and punctuation separate the words of a Japanese title on SQLite,
# which has no trigrams to compare with.
_WORD_RUN = re.compile(r"[\w\u30a0-\u30ff\u4e00-\u9fff\u3400-\u4dbf]+")
_HIRAGANA = re.compile(r"[\u3040-\u309f]+")


def clean_query(raw: str | None, *, limit: int = MAX_QUERY_CHARS) -> str:
    """The query as searched: NFKC (full-width Latin letters and digits as
    typed on a Japanese keyboard become ASCII), whitespace collapsed, cut to
    `limit` characters."""
    text = unicodedata.normalize("NFKC", raw or "")
    return " ".join(text.split())[:limit]


def terms_of(query: str) -> list[str]:
    """The words every result must contain, at most `MAX_TERMS`, each once."""
    terms: list[str] = []
    for word in query.split():
        if word.casefold() not in {t.casefold() for t in terms}:
            terms.append(word)
    return terms[:MAX_TERMS]


class _WordSimilar(Lookup):
    """`title %> 'typed'`: pg_trgm's word similarity above its threshold,
    answered by the title's `gin_trgm_ops` index (a bare `word_similarity()`
    is computed for every question of the course)."""

    lookup_name = "koza_word_similar"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} %%> {rhs}", [*lhs_params, *rhs_params]


def _term_q(term: str) -> Q:
    """A question containing `term` in its title, its body or one of its
    visible answers (hidden and deleted answers are nobody's search hit)."""
    in_answers = Answer.objects.filter(
        contains("body", term), state=PostState.VISIBLE
    ).values("question_id")
    if len(term) < 3:
        # No trigram to look up: every row is read anyway, and ORed on the
        # list's own order the page stops at its 30th match.
        return contains("title", term) | contains("body", term) | Q(pk__in=in_answers)
    # One UNION of three index scans: an OR of the three conditions cannot
    # use the indexes together, and scanned the course for a rare word.
    matches = (
        Question.objects.filter(contains("title", term))
        .values("pk")
        .union(
            Question.objects.filter(contains("body", term)).values("pk"),
            in_answers,
        )
    )
    return Q(pk__in=matches)


def search(questions: QuerySet, query: str) -> QuerySet:
    """`questions` (already `visible_to` the viewer) narrowed to those
    containing every word of `query`; unchanged for an empty query."""
    for term in terms_of(clean_query(query)):
        questions = questions.filter(_term_q(term))
    return questions


def similar_questions(
    *, user, course, title: str, now: datetime, is_staff: bool | None = None
) -> list[Question]:
    """Up to `SIMILAR_LIMIT` questions `user` may see whose titles are like
    `title` (as typed on the ask page), the most alike first."""
    title = clean_query(title, limit=Question._meta.get_field("title").max_length)
    if len(title) < SIMILAR_MIN_CHARS:
        return []
    questions = (
        Question.objects.visible_to(user, course, now, is_staff=is_staff)
        .filter(merged_into__isnull=True)
        .select_related("lecture")
        .only(
            "pk", "title", "course_id", "topic", "lecture__number",
            "answers_count", "votes_count", "solved_answer_id", "has_endorsed",
        )
    )  # fmt: skip
    if connection.vendor == "postgresql":
        questions = (
            questions.filter(_WordSimilar(F("title"), Value(title, CharField())))
            .annotate(
                similarity=TrigramWordSimilarity(Value(title, CharField()), "title")
            )
            .order_by("-similarity", "-votes_count", "-id")
        )
        # The operator finds candidates in the title's trigram index above
        # pg_trgm's threshold, set for this transaction only (its default,
        # 0.6, misses a Japanese title asked in other words).
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                    [str(SIMILAR_THRESHOLD)],
                )
            similar = list(questions[:SIMILAR_LIMIT])
    else:
        words = [w for w in title_words(title) if len(w) >= 2]
        if not words:
            return []
        condition = Q()
        for word in words:
            condition |= Q(title__icontains=word)
        questions = questions.filter(condition).order_by("-votes_count", "-id")
        similar = list(questions[:SIMILAR_LIMIT])
    for question in similar:
        question.course = course  # their links need the slug: no query each
    return similar


def title_words(title: str) -> list[str]:
    """A title's words for the SQLite fallback: split at spaces, punctuation
    and hiragana, so 「勾配降下法の学習率」 gives 勾配降下法 and 学習率."""
    return terms_of(" ".join(_WORD_RUN.findall(_HIRAGANA.sub(" ", title))))


def _pattern(terms: Iterable[str]) -> re.Pattern | None:
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def highlight(text: str, terms: Iterable[str]) -> SafeString:
    """`text` escaped, with each occurrence of a term in `<mark>`."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    parts, position = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308  (every piece escaped above)


def snippet(text: str, terms: Iterable[str], *, width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `text` (a Markdown source) around its
    first match, on one line, with "…" where it was cut."""
    text = " ".join(text.split())
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - width // 3) if match else 0
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
