import importlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.markdown import render_markdown
from quizzes.homework.gift import export_gift, parse_gift, parse_questions
from quizzes.homework.models import Homework, Question
from quizzes.homework.tests.factories import english, make_homework  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_gift_questions_are_read_with_titles_feedback_and_explanations():
    parsed = parse_gift(read("week1.gift"))
    assert parsed.category == "$course$/LLM/Week 1"
    assert [q.errors for q in parsed.questions] == [[]] * 5
    first = parsed.questions[0]
    assert first.title == "Q1 tokens"
    assert first.text == "What does a **tokenizer** produce?"
    assert [c.is_correct for c in first.choices] == [True, False, False, False]
    assert first.choices[0].feedback == "Right: ids index the embedding table."
    assert first.explanation.startswith("Tokenizers map text to ids")
    assert first.line == 4


def test_gift_escapes_become_literal_characters():
    question = parse_gift(read("week1.gift")).questions[1]
    assert question.text == (
        "Which expression is true: 1 = 1, a ~ b, # and {braces} and a : colon?"
    )
    texts = [c.text for c in question.choices]
    assert texts == ["a = b", "1 = 1", "x ~ y", "none : of these"]
    assert question.choices[1].is_correct
    assert question.choices[1].feedback == "equal { indeed }"
    assert question.explanation == "The # sign is literal here."


def test_gift_japanese_text_is_kept_as_written():
    question = parse_gift(read("week1.gift")).questions[2]
    assert question.title == "Q3 日本語"
    assert question.text.startswith("大規模言語モデルの「事前学習」")
    assert question.choices[0].text == "次トークン予測（交差エントロピー）"
    assert question.choices[0].feedback == "正解です。"


def test_gift_newline_escapes_keep_code_blocks_and_plain_text_is_escaped():
    questions = parse_gift(read("week1.gift")).questions
    assert "```python\nprint(2 ** 3)\n```" in questions[3].text
    plain = questions[4]
    assert plain.text == r"What is 2 \* 3 in \*plain\* text?"
    assert [c.is_correct for c in plain.choices] == [False, False, True, False]


def test_each_kind_of_gift_error_is_reported_on_its_question_with_its_line():
    parsed = parse_questions(read("errors.gift"), "gift", shape=(5, 4))
    errors = {q.title: (q.line, q.errors) for q in parsed.questions}
    assert errors["ok"] == (1, [])
    assert errors["tf"][0] == 3 and "True/false" in errors["tf"][1][0]
    assert "short-answer" in errors["short"][1][0]
    assert "Partial credit (50%)" in errors["partial"][1][0]
    assert errors["two correct"][1] == ["2 correct choices; exactly one is needed."]
    assert errors["no block"][0] == 11 and "No answer block" in errors["no block"][1][0]
    assert "6 questions; the homework needs 5" in parsed.errors[0]
    assert not parsed.ok


def test_moodle_xml_multichoice_is_read_and_other_types_are_errors():
    parsed = parse_questions(read("week1.xml"), "xml")
    attention, japanese, truefalse, partial = parsed.questions
    assert attention.errors == [] and japanese.errors == []
    assert attention.text == "What does **self-attention** compute?"
    assert attention.explanation == "Weighted sums of values."
    assert [c.is_correct for c in japanese.choices] == [False, True, False, False]
    assert japanese.choices[1].feedback == "正解です。"
    assert "truefalse" in truefalse.errors[0]
    assert any("Multiple-answer" in e for e in partial.errors)
    assert any("Partial credit (50%)" in e for e in partial.errors)
    assert partial.text == r"Pick \<two\>"


def test_moodle_html_becomes_markdown_with_its_tex_and_without_its_tags():
    """Moodle keeps question and answer text as HTML; stored as it came, its
    `<p>` tags showed wherever Koza shows text."""
    xml = (
        '<quiz><question type="multichoice"><name><text>Scale</text></name>'
        '<questiontext format="html"><text><![CDATA[<p>Why divide by '
        "\\(\\sqrt{d_k}\\) in <code>softmax</code>?</p><p>Is 2 &lt; 3 &amp; "
        "a_b?</p><script>alert(1)</script>"
        '<img src="@@PLUGINFILE@@/f.png" alt="f">]]></text></questiontext>'
        '<answer fraction="100" format="html"><text>&lt;p&gt;To keep the '
        "&lt;b&gt;variance&lt;/b&gt; near 1&lt;/p&gt;</text></answer>"
        '<answer fraction="0" format="html"><text><![CDATA[<p>$$x^2$$</p>]]></text>'
        "</answer>"
        '<answer fraction="0" format="moodle_auto_format"><text>It&apos;s fine</text>'
        "</answer>"
        '<answer fraction="0" format="html"><text>Plain</text></answer>'
        "</question></quiz>"
    )
    question = parse_questions(xml, "xml").questions[0]
    assert question.errors == []
    assert question.text == (
        "Why divide by $\\sqrt{d_k}$ in `softmax`?\n\nIs 2 \\< 3 \\& a\\_b?"
    )
    assert [choice.text for choice in question.choices] == [
        "To keep the **variance** near 1",
        "$$x^2$$",
        "It's fine",
        "Plain",
    ]
    html = render_markdown(question.text)
    assert "<msqrt>" in html and "<code>softmax</code>" in html
    assert "2 &lt; 3 &amp; a_b?" in html and "alert" not in html and "<p>" in html


def test_gift_html_questions_become_markdown():
    parsed = parse_questions(
        "::Q::[html]<p>Pick <b>one</b></p>{=<i>yes</i> ~no ~maybe ~never}", "gift"
    )
    question = parsed.questions[0]
    assert question.text == "Pick **one**"
    assert question.choices[0].text == "*yes*"


def test_xml_with_entities_or_broken_markup_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa">]><quiz>&a;</quiz>'
    assert "DOCTYPE" in parse_questions(bomb, "xml").errors[0]
    assert "Not valid XML" in parse_questions("<quiz><question>", "xml").errors[0]


@pytest.mark.django_db
def test_a_homework_exported_to_gift_reads_back_the_same(course):
    homework = make_homework(course.lectures.get(number=1))
    question = homework.questions.first()
    question.text = "Escapes ~ = # { } : \\ and 日本語\n\n```\ncode {x}\n```"
    question.explanation = "Line one\nline two: #2"
    question.save()
    questions = homework.questions.prefetch_related("choices")
    parsed = parse_gift(export_gift(questions))
    assert parsed.ok

    def flat(question, choices):
        answers = [(c.text, c.is_correct, c.feedback) for c in choices]
        return (question.title, question.text, question.explanation, answers)

    original = [flat(q, q.choices.all()) for q in questions]
    assert [flat(q, q.choices) for q in parsed.questions] == original


@pytest.mark.django_db
def test_the_import_page_previews_first_and_saves_all_questions_on_confirm(
    client, course_admin, course
):
    client.force_login(course_admin)
    url = reverse("homework_import", args=["llm", 2])
    text = read("week1.gift")
    response = client.post(url, {"kind": "gift", "text": text, "preview": "1"})
    assert response.status_code == 200
    assert (
        "What does a <strong>tokenizer</strong> produce?" in response.content.decode()
    )
    assert not Question.objects.exists()
    response = client.post(url, {"kind": "gift", "text": text, "save": "1"})
    assert response.status_code == 302
    homework = Homework.objects.get(lecture__number=2)
    assert homework.questions.count() == 5
    japanese = homework.questions.get(title="Q3 日本語")
    assert japanese.choices.filter(is_correct=True).count() == 1


@pytest.mark.django_db
def test_an_import_with_one_bad_question_saves_nothing(client, course_admin, course):
    client.force_login(course_admin)
    url = reverse("homework_import", args=["llm", 2])
    upload = SimpleUploadedFile("bad.gift", read("errors.gift").encode())
    response = client.post(url, {"kind": "gift", "file": upload, "save": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "line 3" in page and "True/false questions are not supported." in page
    assert not Homework.objects.exists() and not Question.objects.exists()


@pytest.mark.django_db
def test_questions_of_a_homework_with_submissions_are_not_replaced(
    client, course_admin, course, learner
):
    from quizzes.homework.services import homework_submit
    from quizzes.homework.tests.factories import answers_for

    homework = make_homework(course.lectures.get(number=2))
    homework_submit(
        homework=homework,
        user=learner,
        answers=answers_for(homework, correct=1),
        token="22222222-2222-2222-2222-222222222222",
    )
    client.force_login(course_admin)
    url = reverse("homework_import", args=["llm", 2])
    response = client.post(
        url, {"kind": "gift", "text": read("week1.gift"), "save": "1"}
    )
    assert "already has submissions" in response.content.decode()
    assert homework.questions.filter(title="Q1").exists()


@pytest.mark.django_db
def test_staff_who_are_not_admins_cannot_import(client, staff, course):
    client.force_login(staff)
    assert client.get(reverse("homework_import", args=["llm", 2])).status_code == 403


@pytest.mark.django_db
def test_questions_imported_with_moodle_html_are_converted_once(course):
    """The data migration: texts that are wholly Moodle paragraphs become
    Markdown; Markdown with inline HTML is left as the author wrote it."""
    from django.apps import apps

    migration = importlib.import_module(
        "quizzes.homework.migrations.0003_moodle_html_to_markdown"
    )
    homework = make_homework(course.lectures.get(number=1))
    moodle, authored = homework.questions.all()[:2]
    moodle.text = "<p>What does <b>self-attention</b> compute?</p>"
    moodle.save()
    authored.text = "Keep <b>this</b> and `code`"
    authored.save()
    choice = moodle.choices.first()
    choice.text = "<p>Weighted sums</p>"
    choice.save()
    migration.convert_moodle_html(apps, None)
    moodle.refresh_from_db()
    authored.refresh_from_db()
    choice.refresh_from_db()
    assert moodle.text == "What does **self-attention** compute?"
    assert authored.text == "Keep <b>this</b> and `code`"
    assert choice.text == "Weighted sums"
