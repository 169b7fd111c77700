"""Demo Q&A: a few dozen questions as a real cohort asks them, in English
and Japanese. Past weeks' homework questions are public (their answers are
revealed); questions about this week's open homework and the open
competition are under the spoiler guard, one of them the demo learner's own
(so the learner sees the notice) and one made public by staff. Some are
anonymous, answered, endorsed by staff, solved, pinned, with comments, votes
and an attached image."""

import random
from datetime import timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from courses.models import Enrollment
from discussions.models import (
    Answer,
    Attachment,
    Comment,
    ModerationLog,
    Question,
    Topic,
    Vote,
)
from discussions.services import question_refresh_counts
from quizzes.homework.models import Homework, revealed_q

G, LEC, HW, SV, COMP = (
    Topic.GENERAL,
    Topic.LECTURE,
    Topic.HOMEWORK,
    Topic.SURVEY,
    Topic.COMPETITION,
)
OPEN_HW = "open"  # stands for the lecture of this week's open homework

# (topic, lecture, title, body, author, anonymous, days ago, votes, answers,
#  options). An answer is (author, body, endorsed, solved, anonymous).
QUESTIONS = [
    (G, None, "How to ask a good question here",
     "Search first, pick the lecture or homework your question is about, and "
     "paste the **exact** error message in a code block:\n\n"
     "```\nRuntimeError: CUDA out of memory.\n```\n\n"
     "Questions about an open homework are seen only by you and staff until "
     "the answers are revealed.",
     "staff", False, 40, 0, [], {"pinned": True}),
    (G, None, "Colab runs out of GPU memory in the notebook",
     "The week 3 notebook stops with `CUDA out of memory` at the training cell. "
     "I am on the free Colab tier. What can I change?",
     "L1", False, 30, 41,
     [("L2", "Lower `batch_size` to 8 and restart the runtime before running "
       "again: memory from the earlier run is still held.", False, False, False),
      ("staff", "Use `batch_size=8` and `gradient_accumulation_steps=4`: the "
       "effective batch stays 32. Also call `torch.cuda.empty_cache()` after "
       "the evaluation cell.", True, True, False)],
     {"comments": [("L1", "That fixed it, thank you!")], "faq": True}),
    (G, None, "講義アーカイブはいつ公開されますか？",
     "ライブ講義に参加できなかったのですが、録画はいつ頃見られますか？",
     "L3", False, 28, 18,
     [("staff", "通常、講義終了後24時間以内に講義ページに公開します。", True, True,
       False)], {}),
    (G, None, "Can I take the course in Japanese only?",
     "Are the slides available in Japanese as well as English?",
     "L4", False, 25, 7,
     [("staff", "Slides are in Japanese with English keywords; the recordings "
       "have Japanese captions.", False, False, False)], {}),
    (G, None, "修了証の名前はどこで変更できますか？",
     "修了証に表示される名前をローマ字から漢字に変えたいです。",
     "learner", False, 10, 4,
     [("admin", "右上のメニューの「プロフィール」で表示名を変更してください。"
       "修了証は発行時点の表示名を使います。", True, False, False)], {}),
    (G, None, "Is there a Discord or Slack for the course?",
     "Where do learners talk outside the live lecture?", "L5", True, 20, 3,
     [], {}),
    (LEC, 1, "What is the difference between GPT and BERT?",
     "Lecture 1 mentioned decoder-only and encoder-only models. Which is "
     "better for classification?",
     "L6", False, 48, 25,
     [("L7", "BERT sees both directions (encoder), GPT only the left context "
       "(decoder). For classification a fine-tuned encoder is usually strong, "
       "but large decoders do well with prompting.", True, True, False)], {}),
    (LEC, 2, "Why do tokenizers split Japanese into so many tokens?",
     "「機械学習」が4トークンになりました。英語より多いのはなぜですか？",
     "L8", False, 42, 16,
     [("staff", "BPE vocabularies are learned mostly from English text, so "
       "Japanese characters are merged less often. Tokenizers trained on "
       "Japanese data need fewer tokens per character.", True, False, False)],
     {}),
    (LEC, 3, "Why divide by the square root of d_k?",
     "In $\\mathrm{softmax}(QK^\\top/\\sqrt{d_k})$, what goes wrong without "
     "the $\\sqrt{d_k}$?",
     "learner", False, 35, 22,
     [("L9", "Without it the dot products grow with $d_k$ and the softmax "
       "saturates: gradients vanish.", False, True, False),
      ("L2", "See slide 42, there is a plot of it.", False, False, True)],
     {"comments": [("L10", "Slide 42 made it click for me too.")]}),
    (LEC, 3, "Positional encoding: sine or learned?",
     "Do current models still use sinusoidal positional encodings?",
     "L10", True, 33, 9,
     [("staff", "Most current models use RoPE (rotary embeddings); lecture 4 "
       "comes back to it.", False, False, False)], {}),
    (LEC, 4, "事前学習のデータはどう集めていますか？",
     "Common Crawl 以外に、どんなデータが使われていますか？",
     "L11", False, 27, 12, [], {}),
    (LEC, 5, "Do scaling laws hold for fine-tuning too?",
     "The lecture showed loss vs compute for pre-training. Is there a similar "
     "curve for fine-tuning data size? I plotted my own runs (image).",
     "L12", False, 21, 6,
     [("L3", "There is work on fine-tuning scaling laws, but the curves "
       "depend a lot on the task.", False, False, False)], {"image": True}),
    (LEC, 6, "LoRA rank: how do I choose r?",
     "I tried r=8 and r=64 and got almost the same accuracy. Why?",
     "L1", False, 14, 11,
     [("staff", "Task adaptation has a low intrinsic rank: small r is often "
       "enough. Try r=4 as well and compare.", True, True, False)], {}),
    (LEC, 7, "Is RLHF still needed with DPO?",
     "DPO seems simpler. When would I still use PPO?", "L4", False, 7, 5, [],
     {}),
    (SV, 6, "How long should the lecture summary be?",
     "Is 400 characters enough for the survey summary?", "L5", False, 13, 14,
     [("staff", "The survey shows the minimum; write what you learned in your "
       "own words, not a copy of the slides.", True, True, False)], {}),
    (SV, 7, "アンケートの提出後に修正できますか？",
     "要約を提出したあとで誤字に気づきました。", "L6", True, 6, 3,
     [("L7", "締切までは再提出できますよ。", False, True, False)], {}),
    (HW, 1, "Homework 1 Q2: why is (a) correct?",
     "I chose (c). The explanation says (a), but I do not see why.",
     "L7", False, 44, 8,
     [("staff", "The explanation now shows under each question on the "
       "homework page: (c) describes fine-tuning, not pre-training.", True,
       True, False)], {}),
    (HW, 2, "Homework 2 Q4 — was the key wrong?",
     "Several of us picked (b). Could staff check the key?", "L8", False, 37,
     19,
     [("staff", "We checked: the key is right, but the wording was ambiguous. "
       "Everyone gets the point for (b) too.", True, True, False)],
     {"comments": [("L9", "Thanks for regrading!")]}),
    (HW, 4, "宿題4の問3の解説がよくわかりません",
     "スケーリング則の式の読み方を教えてください。", "L9", False, 22, 6,
     [("L11", "損失が計算量のべき乗で下がる、という意味です。", False, False,
       False)], {}),
    (HW, 6, "Homework 6: late submission cap",
     "I submitted one day late. Is my score capped?", "L10", True, 9, 2,
     [("staff", "Yes: late answers count for at most 60% of the points.", False,
       True, False)], {}),
    (HW, OPEN_HW, "Is question 3 about the temperature or top-p?",
     "The wording of question 3 confuses me: does it ask about the temperature "
     "or about top-p sampling?",
     "learner", False, 1, 0, [], {}),
    (HW, OPEN_HW, "I think the answer to question 2 is (b) because...",
     "Softmax with a low temperature makes the distribution sharper, so I "
     "chose (b). Is that right?", "L2", False, 1, 0, [], {}),
    (HW, OPEN_HW, "宿題の問5、(d)で合っていますか？",
     "問5は(d)だと思うのですが、確認したいです。", "L3", True, 0, 0, [], {}),
    (HW, OPEN_HW, "Typo in question 1?",
     "Question 1 says 'tokenizer' where I think it means 'token'.", "L11",
     False, 2, 4,
     [("staff", "Thanks, fixed. This gives nothing away, so it is public.",
       False, False, False)], {"public": True}),
    (COMP, None, "Can we use external data for the competition?",
     "Is it allowed to pre-train on other sentiment data sets?", "L12", False,
     12, 15,
     [("staff", "Yes, any public data is fine; say which in your report.",
       True, True, False)], {"public": True}),
    (COMP, None, "My model gets 0.91 with this feature trick",
     "I add the comment length as a feature and reach 0.91 public. Is that "
     "allowed?", "L5", False, 3, 0, [], {}),
    (COMP, None, "コンペの提出ファイルがエラーになります",
     "「IDが重複しています」と表示されます。", "L8", False, 4, 0,
     [("staff", "テストセットの id ごとに1行だけにしてください。", False, True,
       False)], {}),
    (LEC, 8, "Slides for this week's lecture?",
     "Will the slides be up before Thursday?", "L9", False, 2, 6, [], {}),
    (LEC, 2, "Embedding dimension: 768 or 4096?",
     "Why do bigger models use bigger embeddings?", "L12", False, 40, 2,
     [], {}),
    (G, None, "Deadline in my time zone?",
     "I live in Germany. Are the deadlines in Japan time?", "L2", False, 16,
     9,
     [("staff", "Deadlines are on the course's clock (Asia/Tokyo); each page "
       "also shows your own time.", True, True, False)], {}),
    (LEC, 4, "Mixed precision: bf16 vs fp16",
     "The notebook uses bf16. My GPU only has fp16. Does it matter?", "L6",
     True, 24, 4, [], {"locked": True}),
    (G, None, "Certificate requirements",
     "How many homework do I need to pass for the certificate?", "L11", False,
     8, 21,
     [("staff", "See “How to complete the course” on the course page and "
       "your progress page.", True, False, False)], {}),
]  # fmt: skip


def _plot() -> bytes:
    """A small loss curve, as a learner would attach a screenshot."""
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(30, 10), (30, 180), (310, 180)], fill="black", width=2)
    points = [(30 + x, 180 - int(160 / (1 + x / 25))) for x in range(0, 280, 10)]
    draw.line(points, fill=(31, 95, 139), width=3)
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def seed(*, course, admin, staff, learner) -> None:
    if Question.objects.filter(course=course).exists():
        return
    rng = random.Random(22)
    now = timezone.now()
    voters = list(
        Enrollment.objects.filter(course=course, status=Enrollment.Status.APPROVED)
        .exclude(user=learner)
        .order_by("user__email")
        .values_list("user_id", flat=True)[:60]
    )
    people = {"learner": learner, "staff": staff, "admin": admin}
    people |= {f"L{i}": user_id for i, user_id in enumerate(voters[:12], start=1)}
    lectures = {lecture.number: lecture for lecture in course.lectures.all()}
    open_homework = (
        Homework.objects.filter(lecture__course=course)
        .exclude(revealed_q(now))
        .order_by("-lecture__number")
        .select_related("lecture")
        .first()
    )

    def author(key):
        person = people[key]
        return (
            {"author": person}
            if key in {"learner", "staff", "admin"}
            else {"author_id": person}
        )

    for row in QUESTIONS:
        topic, number, title, body, who, anonymous, days, votes, answers, extra = row
        if number == OPEN_HW:
            if open_homework is None:
                continue
            lecture = open_homework.lecture
        else:
            lecture = lectures.get(number)
        asked = now - timedelta(days=days, hours=rng.randint(1, 20))
        question = Question.objects.create(
            course=course,
            topic=topic,
            lecture=lecture,
            title=title,
            body=body,
            anonymous=anonymous,
            created_at=asked,
            last_activity_at=asked,
            pinned=extra.get("pinned", False),
            locked=extra.get("locked", False),
            is_faq=extra.get("faq", False),
            **author(who),
        )
        if extra.get("public"):
            question.made_public_by = staff
            question.made_public_at = asked + timedelta(hours=2)
            question.save(update_fields=["made_public_by", "made_public_at"])
            ModerationLog.objects.create(
                course=course,
                actor=staff,
                action=ModerationLog.Action.MAKE_PUBLIC,
                question=question,
                created_at=question.made_public_at,
            )
        if extra.get("image"):
            plot = _plot()
            Attachment.objects.create(
                question=question,
                uploaded_by_id=question.author_id,
                file=ContentFile(plot, name="loss.png"),
                content_type="image/png",
                size=len(plot),
            )
        for step, (answerer, text, endorsed, solved, anon) in enumerate(answers):
            at = asked + timedelta(hours=3 + 5 * step)
            answer = Answer.objects.create(
                question=question,
                body=text,
                anonymous=anon,
                created_at=at,
                endorsed_by=staff if endorsed else None,
                endorsed_at=at + timedelta(hours=1) if endorsed else None,
                **author(answerer),
            )
            if endorsed:
                ModerationLog.objects.create(
                    course=course,
                    actor=staff,
                    action=ModerationLog.Action.ENDORSE,
                    question=question,
                    answer=answer,
                    created_at=at + timedelta(hours=1),
                )
            updates = {"has_endorsed": True} if endorsed else {}
            if solved:
                updates["solved_answer"] = answer
            if updates:
                Question.objects.filter(pk=question.pk).update(**updates)
        if answers:
            for commenter, comment in extra.get("comments", []):
                Comment.objects.create(
                    answer=answer,
                    body=comment,
                    created_at=at + timedelta(hours=2),
                    **author(commenter),
                )
        Vote.objects.bulk_create(
            Vote(question=question, user_id=user_id, created_at=asked)
            for user_id in rng.sample(voters, min(votes, len(voters)))
            if user_id != people.get(who)
        )
        last = asked + timedelta(hours=3 + 5 * len(answers)) if answers else asked
        question_refresh_counts(question_id=question.pk, activity_at=min(last, now))
