"""Import homework questions from GIFT or Moodle XML, export them to GIFT.

Only the multiple-choice subset is accepted: one correct answer (`=`),
wrong answers (`~`), per-answer `#feedback`, `####general feedback` (our
explanation), `::title::`, `[markdown]`/`[html]`/`[plain]`/`[moodle]` format
tags, `//` comment lines, `$CATEGORY:` lines and the escapes
`\\~ \\= \\# \\{ \\} \\: \\\\ \\n`. Anything else (true/false, short answer,
numeric, matching, partial credit) is reported as an error on its question,
with the line where the question starts.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markdownify import markdownify

# Escaped specials become private-use characters while parsing, so splitting
# on the real specials never sees them; they turn back into text at the end.
ESCAPES = {"~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004",
           "}": "\ue005", ":": "\ue006", "\\": "\ue007", "n": "\ue008"}  # fmt: skip
RESTORE = {v: k for k, v in ESCAPES.items()} | {"\ue008": "\n"}
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|])")


@dataclass
class ParsedChoice:
    text: str
    is_correct: bool
    feedback: str = ""


@dataclass
class ParsedQuestion:
    text: str = ""
    title: str = ""
    explanation: str = ""
    choices: list[ParsedChoice] = field(default_factory=list)
    line: int | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ParsedImport:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    category: str = ""

    @property
    def ok(self) -> bool:
        return (
            bool(self.questions)
            and not self.errors
            and not any(q.errors for q in self.questions)
        )


def _protect(text: str) -> str:
    return re.sub(
        r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text, flags=re.S
    )


def _restore(text: str) -> str:
    return "".join(RESTORE.get(ch, ch) for ch in text).strip()


def _plain_to_markdown(text: str) -> str:
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)


# TeX as Moodle's MathJax filter reads it: \(…\), \[…\] and $$…$$.
MOODLE_TEX = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$", re.DOTALL)
FORMULA_MARK = re.compile("\ue010(\\d+)\ue011")


def html_to_markdown(html: str) -> str:
    """Koza stores Markdown; Moodle stores HTML (`<p>What does <b>x</b>
    do?</p>`), which would otherwise show its tags wherever text is
    expected (tables, exports, the GIFT export). markdownify keeps the
    structure (paragraphs, bold, code, lists, links) and escapes what
    Markdown would read; scripts and styles are dropped first (nh3), and so
    are images, whose `@@PLUGINFILE@@` addresses point into Moodle. TeX is
    set aside before escaping and comes back as `$…$` / `$$…$$`."""
    html = nh3.clean(html, tags=nh3.ALLOWED_TAGS - {"img"})
    formulas: list[str] = []

    def set_aside(match: re.Match) -> str:
        inline, block, dollars = match.groups()
        tex = " ".join((inline or block or dollars).split())
        formulas.append(f"${tex}$" if inline is not None else f"$${tex}$$")
        return f"\ue010{len(formulas) - 1}\ue011"

    html = MOODLE_TEX.sub(set_aside, html)
    text = markdownify(html, heading_style="ATX", bullets="-", escape_misc=True)
    text = FORMULA_MARK.sub(lambda match: formulas[int(match.group(1))], text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _convert(text: str, fmt: str) -> str:
    text = _restore(text)
    if fmt == "plain":
        return _plain_to_markdown(text)
    return html_to_markdown(text) if fmt == "html" else text


def _blocks(text: str):
    """(first line number, block text) for each question: blocks are separated
    by blank lines outside an answer block; comment lines are dropped."""
    block: list[str] = []
    start = 0
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped and depth == 0:
            if block:
                yield start, "\n".join(block)
                block = []
            continue
        if not block:
            start = number
        block.append(line)
        depth += line.count("{") - line.count("}")
    if block:
        yield start, "\n".join(block)


def _parse_gift_question(block: str, line: int) -> ParsedQuestion:
    question = ParsedQuestion(line=line)
    rest = block.strip()
    if rest.startswith("::"):
        end = rest.find("::", 2)
        if end == -1:
            question.errors.append(_("The title is not closed with ::."))
            return question
        question.title = _restore(rest[2:end])
        rest = rest[end + 2 :].lstrip()
    fmt = "markdown"
    match = re.match(r"\[(markdown|html|plain|moodle)\]", rest)
    if match:
        fmt = match.group(1)
        rest = rest[match.end() :]
    opening, closing = rest.find("{"), rest.rfind("}")
    if opening == -1 or closing < opening:
        question.text = _convert(rest, fmt)
        question.errors.append(_("No answer block {...} was found."))
        return question
    before, answers, after = (
        rest[:opening],
        rest[opening + 1 : closing],
        rest[closing + 1 :],
    )
    question.text = _convert(before, fmt)
    if after.strip():
        question.text = f"{question.text} _____ {_convert(after, fmt)}"
    if not question.text:
        question.errors.append(_("The question has no text."))
    _parse_gift_answers(answers, fmt, question)
    return question


def _parse_gift_answers(answers: str, fmt: str, question: ParsedQuestion) -> None:
    body = answers.strip()
    if "####" in body:
        body, explanation = body.split("####", 1)
        question.explanation = _convert(explanation, fmt)
        body = body.strip()
    if not body:
        question.errors.append(_("An empty answer block is an essay question."))
        return
    if body.startswith("#"):
        question.errors.append(_("Numeric questions are not supported."))
        return
    if re.fullmatch(r"(T|F|TRUE|FALSE)(\s*#.*)?", body, flags=re.S):
        question.errors.append(_("True/false questions are not supported."))
        return
    parts = re.split(r"([=~])", body)
    if parts[0].strip():
        question.errors.append(_("Answers must start with = or ~."))
        return
    for marker, content in zip(parts[1::2], parts[2::2], strict=True):
        text, _sep, feedback = content.partition("#")
        weight = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", text)
        is_correct = marker == "="
        if weight:
            value = float(weight.group(1))
            text = text[weight.end() :]
            if value == 100:
                is_correct = True
            elif value != 0:
                question.errors.append(
                    _("Partial credit (%(weight)s%%) is not supported.")
                    % {"weight": weight.group(1)}
                )
        if "->" in text:
            question.errors.append(_("Matching questions are not supported."))
            return
        question.choices.append(
            ParsedChoice(
                text=_convert(text, fmt),
                is_correct=is_correct,
                feedback=_convert(feedback, fmt),
            )
        )
    if all(choice.is_correct for choice in question.choices):
        question.errors.append(
            _("Only correct answers (=): this is a short-answer question.")
        )


def parse_gift(text: str) -> ParsedImport:
    parsed = ParsedImport()
    for line, block in _blocks(_protect(text)):
        stripped = block.strip()
        if stripped.startswith("$CATEGORY:"):
            parsed.category = _restore(stripped.split(":", 1)[1])
            continue
        parsed.questions.append(_parse_gift_question(block, line))
    return parsed


def _xml_text(element, path: str) -> tuple[str, str]:
    node = element.find(path)
    if node is None:
        return "", ""
    text = node.findtext("text") or ""
    return text.strip(), node.get("format", "")


def _xml_convert(text: str, fmt: str) -> str:
    if fmt == "plain_text":
        return _plain_to_markdown(text)
    return html_to_markdown(text) if fmt in {"html", "moodle_auto_format"} else text


def parse_moodle_xml(text: str) -> ParsedImport:
    parsed = ParsedImport()
    if re.search(r"<!(DOCTYPE|ENTITY)", text, flags=re.I):
        parsed.errors.append(_("XML with a DOCTYPE or entities is refused."))
        return parsed
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD, so no entity expansion
    except ET.ParseError as error:
        parsed.errors.append(_("Not valid XML: %(error)s") % {"error": error})
        return parsed
    for element in root.iter("question"):
        kind = element.get("type", "")
        if kind == "category":
            parsed.category = _xml_text(element, "category")[0]
            continue
        question = ParsedQuestion()
        parsed.questions.append(question)
        question.title = (element.findtext("name/text") or "").strip()
        if kind != "multichoice":
            question.errors.append(
                _("Question type %(type)s is not supported (multichoice only).")
                % {"type": kind}
            )
            continue
        body, fmt = _xml_text(element, "questiontext")
        question.text = _xml_convert(body, fmt)
        explanation, explanation_fmt = _xml_text(element, "generalfeedback")
        question.explanation = _xml_convert(explanation, explanation_fmt or fmt)
        if (element.findtext("single") or "true").strip().lower() in {"false", "0"}:
            question.errors.append(_("Multiple-answer questions are not supported."))
        for answer in element.findall("answer"):
            fraction = answer.get("fraction", "0")
            try:
                value = float(fraction)
            except ValueError:
                value = -1
            if value not in {0, 100}:
                question.errors.append(
                    _("Partial credit (%(weight)s%%) is not supported.")
                    % {"weight": fraction}
                )
            answer_fmt = answer.get("format", fmt)
            feedback, feedback_fmt = _xml_text(answer, "feedback")
            question.choices.append(
                ParsedChoice(
                    text=_xml_convert(
                        (answer.findtext("text") or "").strip(), answer_fmt
                    ),
                    is_correct=value == 100,
                    feedback=_xml_convert(feedback, feedback_fmt or answer_fmt),
                )
            )
        if not question.text:
            question.errors.append(_("The question has no text."))
    return parsed


def check_shape(parsed: ParsedImport, *, questions: int, choices: int) -> None:
    if parsed.errors:
        return
    if len(parsed.questions) != questions:
        parsed.errors.append(
            ngettext(
                "The file has %(count)d question; the homework needs %(expected)d.",
                "The file has %(count)d questions; the homework needs %(expected)d.",
                len(parsed.questions),
            )
            % {"count": len(parsed.questions), "expected": questions}
        )
    for question in parsed.questions:
        if question.errors:
            continue
        if len(question.choices) != choices:
            question.errors.append(
                ngettext(
                    "%(count)d choice; the homework needs %(expected)d.",
                    "%(count)d choices; the homework needs %(expected)d.",
                    len(question.choices),
                )
                % {"count": len(question.choices), "expected": choices}
            )
        correct = sum(1 for choice in question.choices if choice.is_correct)
        if correct != 1:
            question.errors.append(
                ngettext(
                    "%(count)d correct choice; exactly one is needed.",
                    "%(count)d correct choices; exactly one is needed.",
                    correct,
                )
                % {"count": correct}
            )


def parse_questions(
    text: str, kind: str, *, shape: tuple[int, int] | None = None
) -> ParsedImport:
    parsed = parse_moodle_xml(text) if kind == "xml" else parse_gift(text)
    if not parsed.questions and not parsed.errors:
        parsed.errors.append(_("No questions were found."))
    if shape is not None:
        check_shape(parsed, questions=shape[0], choices=shape[1])
    return parsed


def homework_import_questions(*, lecture, parsed: ParsedImport):
    """Replace the homework's questions with the parsed ones: all or nothing.
    Creates the homework (due a week after the lecture) when there is none."""
    from datetime import timedelta

    from quizzes.homework.models import Choice, Homework, Question
    from quizzes.homework.services import homework_sync_key_version

    if not parsed.ok:
        raise ValidationError(_("The import has errors: nothing was saved."))
    with transaction.atomic():
        homework, _created = Homework.objects.select_for_update().get_or_create(
            lecture=lecture,
            defaults={
                "opens_at": lecture.starts_at,
                "due_at": lecture.starts_at + timedelta(days=7),
            },
        )
        if homework.submissions.exists():
            raise ValidationError(
                _("This homework already has submissions; its questions stay.")
            )
        homework.questions.all().delete()
        questions = Question.objects.bulk_create(
            [
                Question(
                    homework=homework,
                    position=index,
                    title=q.title[:200],
                    text=q.text,
                    explanation=q.explanation,
                )
                for index, q in enumerate(parsed.questions, start=1)
            ]
        )
        Choice.objects.create_in_random_order(
            [
                Choice(
                    question=question,
                    position=index,
                    text=c.text,
                    is_correct=c.is_correct,
                    feedback=c.feedback,
                )
                for question, parsed_question in zip(
                    questions, parsed.questions, strict=True
                )
                for index, c in enumerate(parsed_question.choices, start=1)
            ]
        )
        homework_sync_key_version(homework=homework)
    return homework


def _gift_escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def export_gift(questions) -> str:
    """GIFT that parse_gift reads back to the same questions."""
    out = []
    for question in questions:
        lines = []
        title = f"::{_gift_escape(question.title)}::" if question.title else ""
        lines.append(f"{title}[markdown]{_gift_escape(question.text)} {{")
        for choice in question.choices.all():
            marker = "=" if choice.is_correct else "~"
            feedback = f" #{_gift_escape(choice.feedback)}" if choice.feedback else ""
            lines.append(f"\t{marker}{_gift_escape(choice.text)}{feedback}")
        if question.explanation:
            lines.append(f"\t####{_gift_escape(question.explanation)}")
        lines.append("}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"
