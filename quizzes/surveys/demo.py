"""Demo data for the weekly survey: this week's open survey and past surveys
answered by the generated learners, with reviews, comments and a planted
near-duplicate pair for copy detection. Idempotent."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import Course, Enrollment
from quizzes.surveys.models import (
    Survey,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
    count_summary_chars,
)
from quizzes.surveys.services import survey_detect_copies_now

THIS_WEEK = 8
PLANTED_PAIR_WEEK = 6  # always past due, so its copy check has run
QUESTIONS = [
    ("rating", "理解度 / Understanding", True, []),
    ("rating", "満足度 / Satisfaction", True, []),
    ("rating", "難易度 / Difficulty", True, []),
    (
        "choice",
        "どのように受講しましたか / How did you watch?",
        False,
        ["ライブ / Live", "アーカイブ / Recording", "両方 / Both"],
    ),
    ("comment", "感想・質問 / Comments and questions", False, []),
]
# Sentence templates with slots: generated summaries differ from each other
# as much as real ones do, so only the planted pair looks like a copy.
SENTENCES = [
    "今回の講義では{topic}について{verb}。",
    "{adverb}{idea}が印象に残った。",
    "{idea}は{reason}という点で重要だと{verb}。",
    "講義の{part}では{activity}があり、{feeling}。",
    "{activity}を通じて{idea}を{verb}。",
    "{adverb}{topic}と{idea}の関係が{feeling2}。",
    "I {verb_en} how {idea_en} relates to {topic}.",
    "{part}の{activity}で{feeling}。",
    "{reason}ため、{idea}を{adverb}見直したい。",
    "{topic}の{idea}について、自分の研究にも応用できそうだと{verb}。",
    "{adverb}{part}の説明は{feeling2}。",
    "{idea}については{reason}という課題も残っている。",
]
SLOTS = {
    "verb": ["学んだ", "理解した", "考えた", "感じた", "整理した", "再確認した"],
    "adverb": ["特に", "改めて", "意外にも", "何よりも", "個人的には", "最終的に"],
    "idea": [
        "注意機構",
        "事前学習のデータ",
        "スケーリング則",
        "損失関数の設計",
        "トークン化の工夫",
        "評価指標",
        "計算資源の配分",
        "位置埋め込み",
        "微調整の手順",
        "推論の効率化",
        "人間のフィードバック",
        "文脈内学習",
    ],
    "reason": [
        "モデルの性能を左右する",
        "計算コストが大きい",
        "再現性に関わる",
        "データの質に依存する",
        "実務で使われている",
        "まだ理論が追いついていない",
    ],
    "part": ["前半", "後半", "冒頭", "終盤", "質疑応答", "演習パート"],
    "activity": [
        "演習ノートブックの実行",
        "実際のモデルの出力比較",
        "グラフの読み解き",
        "論文の紹介",
        "ライブデモ",
        "パラメータを変える実験",
    ],
    "feeling": [
        "理解が深まった",
        "手を動かすことで腑に落ちた",
        "難しかったが面白かった",
        "もう一度アーカイブで確認したい",
        "自分でも試してみたくなった",
    ],
    "feeling2": [
        "わかりやすかった",
        "少し難しかった",
        "とても興味深かった",
        "新しい発見だった",
        "思っていたより単純だった",
    ],
    "verb_en": ["learned", "saw", "finally understood", "was surprised by"],
    "idea_en": ["attention", "scaling", "tokenization", "evaluation", "fine-tuning"],
}
COMMENTS = [
    "とてもわかりやすかったです。",
    "後半のスピードが少し速かったです。",
    "演習の時間がもっと欲しいです。",
    "スライドを事前に公開してほしいです。",
    "質疑応答が参考になりました。",
    "The notebook failed on Colab at first; restarting fixed it.",
]


def _sentence(rng: random.Random, topic: str) -> str:
    slots = {name: rng.choice(values) for name, values in SLOTS.items()}
    return rng.choice(SENTENCES).format(topic=topic, **slots)


def _summary(rng: random.Random, topic: str) -> str:
    text = ""
    while count_summary_chars(text) < 230:
        text += _sentence(rng, topic)
    return text


def _survey_for(lecture) -> Survey:
    survey, created = Survey.objects.get_or_create(
        lecture=lecture,
        defaults={
            # This week's survey is open all week in the demo, before and
            # after the live lecture.
            "opens_at": None if lecture.number == THIS_WEEK else lecture.starts_at,
            "due_at": lecture.starts_at + timedelta(days=6, hours=5, minutes=59),
            "summary_min_chars": 200,
            "summary_max_chars": 2000,
            "published": True,
        },
    )
    if created:
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(
                survey=survey,
                position=i,
                kind=kind,
                label=label,
                required=required,
                choices=choices,
            )
            for i, (kind, label, required, choices) in enumerate(QUESTIONS, 1)
        )
    return survey


def _answers(rng: random.Random, questions) -> dict:
    answers = {}
    for q in questions:
        if q.kind == "rating":
            answers[q.key] = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 6, 4])[0]
        elif q.kind == "choice" and rng.random() < 0.8:
            answers[q.key] = rng.choice(q.choices)
        elif q.kind == "comment" and rng.random() < 0.3:
            answers[q.key] = rng.choice(COMMENTS)
    return answers


def _fill_past_survey(survey: Survey, learners: list, staff) -> None:
    if SurveyResponse.objects.filter(survey=survey).exists():
        return
    number = survey.lecture.number
    rng = random.Random(1000 + number)
    questions = list(survey.questions.all())
    topic = survey.lecture.title
    rate = 0.92 - 0.03 * number
    due = survey.due_at
    rows = []
    for user in learners:
        if rng.random() > rate:
            continue
        submitted = due - timedelta(minutes=rng.randint(1, 60 * 24 * 5))
        state = rng.choices(
            ["accepted", "pending", "needs_revision", "rejected"],
            weights=[70 if number < 6 else 10, 20 if number < 6 else 90, 7, 3],
        )[0]
        summary = _summary(rng, topic)
        rows.append(
            SurveyResponse(
                survey=survey,
                user=user,
                summary=summary,
                summary_chars=count_summary_chars(summary),
                answers=_answers(rng, questions),
                submitted_at=submitted,
                updated_at=submitted,
                review_state=state,
                review_comment="講義の後半の内容も書いてください。"
                if state == "needs_revision"
                else "",
                reviewed_by=staff if state != "pending" else None,
                reviewed_at=due + timedelta(days=1) if state != "pending" else None,
            )
        )
    if number == PLANTED_PAIR_WEEK and len(rows) >= 2:
        # A planted near-duplicate: the second learner copied the first one
        # and added a line, which copy detection should list.
        rows[1].summary = rows[0].summary + "\n\n以上が今回の講義のまとめです。"
        rows[1].summary_chars = count_summary_chars(rows[1].summary)
    SurveyResponse.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def _demo_learner_answers(survey: Survey, learner, staff, *, revise: bool) -> None:
    rng = random.Random(survey.pk)
    summary = _summary(rng, survey.lecture.title)
    SurveyResponse.objects.get_or_create(
        survey=survey,
        user=learner,
        defaults={
            "summary": summary,
            "summary_chars": count_summary_chars(summary),
            "answers": _answers(rng, survey.questions.all()),
            "submitted_at": survey.due_at - timedelta(days=1),
            "updated_at": survey.due_at - timedelta(days=1),
            "review_state": "needs_revision" if revise else "accepted",
            "review_comment": "演習の内容にも触れてください。" if revise else "",
            "reviewed_by": staff,
            "reviewed_at": survey.due_at + timedelta(hours=12),
        },
    )


@transaction.atomic
def seed(*, course: Course, admin, staff, learner) -> None:
    learners = [
        e.user
        for e in Enrollment.objects.filter(
            course=course,
            status=Enrollment.Status.APPROVED,
            user__email__regex=r"^learner\d{3}@",
        )
        .select_related("user")
        .order_by("user__email")
    ]
    now = timezone.now()
    for lecture in course.lectures.filter(number__lte=THIS_WEEK).order_by("number"):
        survey = _survey_for(lecture)
        if lecture.number == THIS_WEEK:
            SurveyDraft.objects.get_or_create(
                survey=survey,
                user=learner,
                defaults={
                    "summary": "今回の講義では**評価**の方法について学んだ。",
                    "saved_at": now,
                },
            )
            continue
        _fill_past_survey(survey, learners, staff)
        _demo_learner_answers(
            survey, learner, staff, revise=lecture.number == PLANTED_PAIR_WEEK - 1
        )
        if survey.copies_checked_at is None and survey.due_at < now:
            survey_detect_copies_now(survey=survey)
