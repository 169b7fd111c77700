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

Why bounded: when many summaries are alike (a template passed around), one
LSH bucket can hold thousands of them, and all pairs of a bucket of 2,700 are
3.6 million candidates per band: runs took 3 GB. A bucket larger than
`BUCKET_CAP` + 1 pairs each member with its `BUCKET_CAP` neighbours only (by
position), so the copies still link up into a group while the candidates
grow with the number of summaries, not its square. Signatures are computed
in chunks, shingle sets kept as 32-bit hashes, candidates deduplicated band
by band and compared in chunks, and matches yielded one by one
(`iter_copies`) so the caller can write them to the database as they come.
"""

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

SHINGLE_SIZE = 5
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
BUCKET_CAP = 16  # neighbours per member in a crowded bucket
SIGNATURE_CHUNK = 2000  # summaries per signature step
COMPARE_CHUNK = 5000  # candidate pairs per comparison step
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


def _hashes32(text: str) -> np.ndarray:
    """The text's shingles as sorted unique 32-bit hashes: half the memory of
    `shingles`, and the bits the signatures use anyway."""
    return np.unique((shingles(text) >> np.uint64(32)).astype(np.uint32))


def _signatures(sets: list[np.ndarray]) -> np.ndarray:
    """MinHash signatures (len(sets) × NUM_PERM, 32-bit) of non-empty sets of
    32-bit shingle hashes.

    Permutation i hashes x to the high 32 bits of a_i·x + b_i (mod 2^64),
    multiply-shift hashing, which is 2-universal; all shingles of the chunk
    go through each permutation in one vector operation.
    """
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    values = np.concatenate(sets).astype(np.uint64)
    rng = np.random.default_rng(_SEED)
    multipliers = rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
    offsets = rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
    signatures = np.empty((len(sets), NUM_PERM), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for i in range(NUM_PERM):
            permuted = (values * multipliers[i] + offsets[i]) >> np.uint64(32)
            signatures[:, i] = np.minimum.reduceat(permuted, starts)
    return signatures


_BAND_WEIGHTS = np.asarray(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def _band_pairs(signatures: np.ndarray, band: int, cap: int) -> np.ndarray:
    """Pair keys (i * n + j, i < j) of summaries sharing this band: every
    pair in a small bucket, each member and its `cap` next neighbours in a
    crowded one."""
    n = len(signatures)
    rows = signatures[:, band * ROWS : (band + 1) * ROWS].astype(np.uint64)
    with np.errstate(over="ignore"):
        keys = _mix((rows * _BAND_WEIGHTS[:ROWS]).sum(axis=1, dtype=np.uint64))
    order = np.lexsort((np.arange(n), keys))  # by bucket, then by position
    sorted_keys = keys[order]
    found = []
    for distance in range(1, cap + 1):
        same = sorted_keys[distance:] == sorted_keys[:-distance]
        if not same.any():
            break
        left, right = order[:-distance][same], order[distance:][same]
        found.append(left.astype(np.int64) * n + right)
    if not found:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(found))


def _candidate_pairs(
    signatures: np.ndarray, *, cap: int = BUCKET_CAP, beat: Callable[[], None]
) -> np.ndarray:
    """Pair keys sharing at least one LSH band, deduplicated band by band."""
    seen = np.empty(0, dtype=np.int64)
    for band in range(BANDS):
        seen = np.union1d(seen, _band_pairs(signatures, band, cap))
        beat()
    return seen


def iter_copies(
    texts: Sequence[str],
    *,
    reference: str = "",
    pair_threshold: float = PAIR_THRESHOLD,
    reference_threshold: float = REFERENCE_THRESHOLD,
    progress: Callable[[int], None] | None = None,
    stats: dict | None = None,
) -> Iterator[Match]:
    """Near-duplicate pairs among `texts` (by index), then the texts that
    mostly copy `reference`, each as it is found.

    `progress(done)` is called often (a heartbeat for the job) with how much
    of len(texts) is done: the first half is shingling, the second comparing
    candidates. `stats["candidates"]` is set to the number of pairs compared.
    """
    total = len(texts)
    report = progress or (lambda done: None)
    sets: list[np.ndarray] = []
    for start in range(0, total, 500):
        sets.extend(_hashes32(text) for text in texts[start : start + 500])
        report(len(sets) // 2)
    half = total // 2
    present = np.asarray([i for i, s in enumerate(sets) if len(s)], dtype=np.int64)
    candidates = np.empty(0, dtype=np.int64)
    if len(present) >= 2:
        signatures = np.empty((len(present), NUM_PERM), dtype=np.uint32)
        for start in range(0, len(present), SIGNATURE_CHUNK):
            chunk = present[start : start + SIGNATURE_CHUNK]
            signatures[start : start + len(chunk)] = _signatures(
                [sets[i] for i in chunk]
            )
            report(half)
        candidates = _candidate_pairs(signatures, beat=lambda: report(half))
        n = len(present)
        for start in range(0, len(candidates), COMPARE_CHUNK):
            for key in candidates[start : start + COMPARE_CHUNK].tolist():
                a, b = divmod(key, n)
                left, right = int(present[a]), int(present[b])
                similarity = jaccard(sets[left], sets[right])
                if similarity >= pair_threshold:
                    estimate = float(np.mean(signatures[a] == signatures[b]))
                    yield Match(left, right, estimate, round(similarity, 4))
            compared = min(start + COMPARE_CHUNK, len(candidates))
            report(half + (total - half) * compared // len(candidates))
    if stats is not None:
        stats["candidates"] = len(candidates)
    reference_set = _hashes32(reference)
    if len(reference_set) and len(present):
        for i in present.tolist():
            contained = np.isin(sets[i], reference_set, assume_unique=True).mean()
            if contained >= reference_threshold:
                share = round(float(contained), 4)
                yield Match(i, None, share, share)
    report(total)


def find_copies(texts: Sequence[str], **options) -> CopyResult:
    """Every match of `iter_copies` at once, most similar first."""
    result = CopyResult()
    stats: dict = {}
    for match in iter_copies(texts, stats=stats, **options):
        if match.right is None:
            result.reference_copies.append(match)
        else:
            result.pairs.append(match)
    result.pairs.sort(key=lambda m: (-m.similarity, m.left, m.right))
    result.reference_copies.sort(key=lambda m: (-m.similarity, m.left))
    result.candidates = stats.get("candidates", 0)
    return result
