"""Generated lecture summaries for copy-detection tests and its benchmark
(bench/bench_copies.py): one vocabulary, distinct word orders."""

import random

VOCABULARY = [
    "トランスフォーマー",
    "注意機構",
    "事前学習",
    "言語モデル",
    "スケーリング則",
    "微調整",
    "トークン",
    "埋め込み",
    "推論",
    "評価",
    "強化学習",
    "人間のフィードバック",
    "文脈内学習",
    "検索拡張生成",
    "パラメータ",
    "データセット",
    "損失関数",
    "勾配",
    "計算資源",
    "性能",
    "は",
    "を",
    "が",
    "に",
    "で",
    "と",
    "の",
    "について",
    "重要",
    "である",
    "学んだ",
    "理解した",
    "説明された",
    "興味深い",
    "難しい",
    "実験",
    "結果",
    "attention",
    "scaling",
    "model",
    "data",
]


def generated_summaries(count: int, *, seed: int = 7) -> list[str]:
    """Distinct summaries on the same lecture: the same vocabulary, each in
    its own order, 250 to 400 characters."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        sentences = [
            "".join(rng.choice(VOCABULARY) for _ in range(rng.randint(8, 14))) + "。"
            for _ in range(rng.randint(6, 9))
        ]
        texts.append("".join(sentences))
    return texts
