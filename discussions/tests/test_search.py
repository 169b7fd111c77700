"""Search and "similar questions" (`discussions.search`): Japanese and
English, answers included, the visibility rule kept, hostile input inert."""

import pytest
from django.db import connection
from django.utils import timezone

from discussions import search
from discussions.models import PostState, Question, Topic
from discussions.tests.conftest import make_answer, make_question, open_homework

pytestmark = pytest.mark.django_db


def found(user, course, query):
    now = timezone.now()
    questions = Question.objects.visible_to(user, course, now)
    return set(search.search(questions, query).values_list("title", flat=True))


def test_a_japanese_word_of_two_characters_is_found_in_titles_and_bodies(
    course, learner, classmate
):
    make_question(course, learner, title="勾配降下法の学習率", body="本文")
    make_question(course, learner, title="LoRAについて", body="勾配が消えます")
    make_question(course, learner, title="スライドはどこ？", body="資料の場所")
    assert found(classmate, course, "勾配") == {"勾配降下法の学習率", "LoRAについて"}
    assert found(classmate, course, "学習率") == {"勾配降下法の学習率"}


def test_english_is_found_whatever_the_letter_case_and_every_word_counts(
    course, learner, classmate
):
    make_question(course, learner, title="How does the Tokenizer split words?")
    make_question(course, learner, title="Tokenizer speed", body="It is slow.")
    assert found(classmate, course, "tokenizer") == {
        "How does the Tokenizer split words?",
        "Tokenizer speed",
    }
    assert found(classmate, course, "TOKENIZER   split") == {
        "How does the Tokenizer split words?"
    }


def test_full_width_letters_typed_on_a_japanese_keyboard_find_ascii(
    course, learner, classmate
):
    make_question(course, learner, title="GPT-2の語彙サイズ")
    assert found(classmate, course, "ＧＰＴ") == {"GPT-2の語彙サイズ"}


def test_an_answer_finds_its_question_unless_staff_hid_it(
    course, learner, classmate, staff
):
    question = make_question(course, learner, title="Loss is NaN")
    answer = make_answer(question, classmate, body="Clip the gradient norm.")
    assert found(learner, course, "gradient norm") == {"Loss is NaN"}
    answer.state = PostState.HIDDEN
    answer.save()
    assert found(learner, course, "gradient norm") == set()


def test_percent_and_underscore_are_matched_as_themselves(course, learner, classmate):
    make_question(course, learner, title="Accuracy is 100% on train")
    make_question(course, learner, title="What is max_length?")
    make_question(course, learner, title="Plain question", body="maxXlength")
    assert found(classmate, course, "%") == {"Accuracy is 100% on train"}
    assert found(classmate, course, "max_length") == {"What is max_length?"}
    assert found(classmate, course, "\\") == set()


def test_a_spoiler_guarded_question_is_found_by_its_author_and_staff_only(
    course, learner, classmate, staff
):
    lecture = course.lectures.get(number=2)
    open_homework(lecture)
    make_question(
        course, learner, topic=Topic.HOMEWORK, lecture=lecture, title="Q3は(b)ですか"
    )
    assert found(learner, course, "Q3") == {"Q3は(b)ですか"}
    assert found(staff, course, "Q3") == {"Q3は(b)ですか"}
    assert found(classmate, course, "Q3") == set()
    now = timezone.now()
    assert (
        search.similar_questions(
            user=classmate, course=course, title="Q3は(b)ですか？", now=now
        )
        == []
    )


def test_a_long_query_is_cut_and_only_five_words_count(course, learner, classmate):
    make_question(course, learner, title="a b c d e")
    assert search.clean_query("x" * 5000) == "x" * search.MAX_QUERY_CHARS
    assert search.terms_of("a b c d e f g") == ["a", "b", "c", "d", "e"]
    assert found(classmate, course, "a b c d e zzz") == {"a b c d e"}


def test_highlights_escape_the_text_around_the_marks():
    html = search.highlight('<script>alert("学習率")</script> 学習率', ["学習率"])
    assert "<script>" not in html
    assert html.count("<mark>学習率</mark>") == 2
    assert "&lt;script&gt;" in html
    assert search.highlight("<b>", ["<b"]) == "<mark>&lt;b</mark>&gt;"


def test_a_snippet_is_cut_around_the_first_match():
    text = "前置き。" * 100 + "ここで勾配が消えます。" + "後書き。" * 100
    piece = search.snippet(text, ["勾配"], width=40)
    assert "勾配" in piece
    assert piece.startswith("…") and piece.endswith("…")
    assert len(piece) <= 42


def test_similar_questions_suggest_a_japanese_question_with_other_words(
    course, learner, classmate
):
    make_question(course, learner, title="勾配降下法の学習率はどう決めればいいですか")
    make_question(course, learner, title="コンペティションの提出形式")
    now = timezone.now()
    similar = search.similar_questions(
        user=classmate, course=course, title="勾配降下法の学習率が分かりません", now=now
    )
    assert [q.title for q in similar] == ["勾配降下法の学習率はどう決めればいいですか"]
    assert (
        search.similar_questions(user=classmate, course=course, title="勾配", now=now)
        == []
    )


def test_similar_questions_in_english(course, learner, classmate):
    make_question(course, learner, title="How do I choose the learning rate for Adam?")
    make_question(course, learner, title="Where are the slides?")
    similar = search.similar_questions(
        user=classmate,
        course=course,
        title="choosing a learning rate",
        now=timezone.now(),
    )
    assert [q.title for q in similar] == ["How do I choose the learning rate for Adam?"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's"
)
def test_a_three_character_search_uses_the_trigram_index(course, learner):
    plan_sql = "EXPLAIN SELECT id FROM discussions_question WHERE title LIKE %s"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(plan_sql, ["%学習率%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "discussions_question_title_trgm" in plan
