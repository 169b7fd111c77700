"""Copy detection for lecture summaries: character shingles + MinHash + LSH.

Why characters: Japanese has no spaces, so word shingles do not exist; 5-grams
of characters, after dropping whitespace, punctuation and symbols (Markdown
syntax included) and NFKC-folding, work the same for Japanese and English.

Why MinHash/LSH: 4,000 summaries make 8 million pairs. Each summary gets a
128-value MinHash signature; cutting it into 32 bands of 4 rows and bucketing
identical bands makes pairs with Jaccard similarity ≥ 0.5 meet in some bucket
with probability ≥ 0.87 (≥ 0.99 at 0.6) while pairs at 0.1 meet with
probability ≈ 0.003. Only those candidates get an exact Jaccard, so the work
grows with the number of summaries, not with the number of pairs.

Why numpy rather than `datasketch`: signatures for all summaries are computed
at once as array operations (multiply-shift hashing over every shingle of every
summary, then `minimum.reduceat`), which is what makes thousands of summaries
take a second; datasketch hashes one document at a time in Python and brings
scipy along.

Copies of the lecture description are found without LSH: there is one
reference text, so the share of a summary's shingles that also occur in it
(containment) is computed exactly for every summary in one pass.
"""

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

SHINGLE_SIZE = 5
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
PAIR_THRESHOLD = 0.5  # exact Jaccard of shingle sets
REFERENCE_THRESHOLD = 0.5  # share of the summary's shingles found in the reference
_DROPPED_CATEGORIES = ("P", "Z", "C", "S")
_SEED = 20261129


@dataclass(frozen=True)
class Match:
    left: int
    right: int | None
    estimate: float
    similarity: float


@dataclass
class CopyResult:
    pairs: list[Match] = field(default_factory=list)
    reference_copies: list[Match] = field(default_factory=list)
    candidates: int = 0


def normalise(text: str) -> str:
    """Keep letters, digits and combining marks, NFKC-folded and lower-cased:
    full-width/half-width forms, spacing and punctuation do not hide a copy."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(
        ch
        for ch in folded
        if not unicodedata.category(ch).startswith(_DROPPED_CATEGORIES)
    )


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the polynomial shingle codes over 64 bits."""
    values = values.copy()
    values ^= values >> np.uint64(30)
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    values ^= values >> np.uint64(31)
    return values


def shingles(text: str, size: int = SHINGLE_SIZE) -> np.ndarray:
    """The sorted unique 64-bit hashes of the text's character `size`-grams
    (a text shorter than `size` is one shingle)."""
    normal = normalise(text)
    if not normal:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(normal.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(size, len(codes))
    count = len(codes) - width + 1
    hashed = np.zeros(count, dtype=np.uint64)
    base = np.uint64(1_000_003)
    with np.errstate(over="ignore"):
        for offset in range(width):
            hashed = hashed * base + codes[offset : offset + count]
        return np.unique(_mix(hashed))


def jaccard(left: np.ndarray, right: np.ndarray) -> float:
    if not len(left) and not len(right):
        return 0.0
    common = len(np.intersect1d(left, right, assume_unique=True))
    return common / (len(left) + len(right) - common)


def _signatures(sets: list[np.ndarray]) -> np.ndarray:
    """MinHash signatures (len(sets) × NUM_PERM) of non-empty shingle sets.

    Permutation i hashes x to the high 32 bits of a_i·x + b_i (mod 2^64),
    multiply-shift hashing, which is 2-universal; all shingles of all
    summaries go through each permutation in one vector operation.
    """
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    values = (np.concatenate(sets) >> np.uint64(32)).astype(np.uint64)
    rng = np.random.default_rng(_SEED)
    multipliers = rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
    offsets = rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
    signatures = np.empty((len(sets), NUM_PERM), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(NUM_PERM):
            permuted = (values * multipliers[i] + offsets[i]) >> np.uint64(32)
            signatures[:, i] = np.minimum.reduceat(permuted, starts)
    return signatures


def _candidate_pairs(signatures: np.ndarray) -> np.ndarray:
    """Index pairs (i < j) sharing at least one LSH band, as an (n, 2) array."""
    found = []
    weights = np.asarray(
        [
            0x9E3779B97F4A7C15,
            0xC2B2AE3D27D4EB4F,
            0x165667B19E3779F9,
            0x27D4EB2F165667C5,
        ],
        dtype=np.uint64,
    )
    with np.errstate(over="ignore"):
        for band in range(BANDS):
            rows = signatures[:, band * ROWS : (band + 1) * ROWS]
            keys = _mix((rows * weights[:ROWS]).sum(axis=1, dtype=np.uint64))
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_keys)) + 1))
            ends = np.append(starts[1:], len(order))
            for start, end in zip(
                starts[ends - starts > 1], ends[ends - starts > 1], strict=True
            ):
                members = np.sort(order[start:end])
                left, right = np.triu_indices(len(members), k=1)
                found.append(np.stack([members[left], members[right]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)


def find_copies(
    texts: Sequence[str],
    *,
    reference: str = "",
    pair_threshold: float = PAIR_THRESHOLD,
    reference_threshold: float = REFERENCE_THRESHOLD,
    progress: Callable[[int], None] | None = None,
) -> CopyResult:
    """Near-duplicate pairs among `texts` (by index) and the texts that mostly
    copy `reference`, each with its similarity."""
    result = CopyResult()
    sets = []
    for start in range(0, len(texts), 500):
        sets.extend(shingles(text) for text in texts[start : start + 500])
        if progress is not None:
            progress(len(texts[start : start + 500]))
    present = [i for i, s in enumerate(sets) if len(s)]
    if len(present) >= 2:
        signatures = _signatures([sets[i] for i in present])
        candidates = _candidate_pairs(signatures)
        result.candidates = len(candidates)
        for a, b in candidates:
            similarity = jaccard(sets[present[a]], sets[present[b]])
            if similarity >= pair_threshold:
                estimate = float(np.mean(signatures[a] == signatures[b]))
                result.pairs.append(
                    Match(present[a], present[b], estimate, round(similarity, 4))
                )
        result.pairs.sort(key=lambda m: -m.similarity)
    reference_set = shingles(reference)
    if len(reference_set) and present:
        for i in present:
            contained = np.isin(sets[i], reference_set, assume_unique=True).mean()
            if contained >= reference_threshold:
                share = round(float(contained), 4)
                result.reference_copies.append(Match(i, None, share, share))
        result.reference_copies.sort(key=lambda m: -m.similarity)
    return result
