"""MinHash signatures, bit-for-bit compatible with datasketch's ``affine32`` scheme.

datasketch (>= 2.0) computes ``min_k (a_k * fmix32(h(s)) + b_k) mod 2^32`` over the
shingles ``s`` with ``(a, b)`` drawn from ``RandomState(seed)``. We compute exactly that,
but hash all shingles of a document at once with NumPy instead of calling a Python
hash function per shingle: the text becomes a uint32 array of code points, a character
n-gram hash is a vectorised polynomial over n shifted views of that array, finished by
the 64-bit MurmurHash3 mixer. ``char_shingle_hash32`` is the same function for one
shingle, so ``datasketch.MinHash(num_perm, seed, hashfunc=char_shingle_hash32)`` fed
the shingle strings gives the very same hash values (tested).

Only ``bands * rows`` permutations are computed (that is all LSH needs), and the
signature is stored as one 64-bit key per band: 40 x 8 bytes instead of 800 x 4.
64-bit keys matter at scale: with 32-bit band keys, 10^9 documents would share a
bucket by pure chance ~10^8 times per band.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

import numpy as np
import xxhash

from corpusforge.config import ConfigError, load_config
from corpusforge.dedup.normalize import normalize_for_dedup

SHINGLE_KINDS = ("char", "word")
MAX_NGRAM = 64
MAX_HASH32 = np.uint32(0xFFFFFFFF)
_MASK64 = (1 << 64) - 1


def _splitmix64(state: int) -> tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def _position_multipliers(n: int) -> list[int]:
    """Fixed odd 64-bit multipliers, one per position in an n-gram (not seed dependent)."""
    out, state = [], 0x636F72707573  # "corpus"
    for _ in range(n):
        state, z = _splitmix64(state)
        out.append(z | 1)
    return out


POSITION_MULTIPLIERS: list[int] = _position_multipliers(MAX_NGRAM)
_POS_NP = np.array(POSITION_MULTIPLIERS, dtype=np.uint64)

_U64 = np.uint64
_F64 = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53))
_F32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection), in place on a uint64 array."""
    s, m1, m2 = _F64
    h ^= h >> s
    h *= m1
    h ^= h >> s
    h *= m2
    h ^= h >> s
    return h


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, as datasketch applies it before the permutations."""
    s1, m1, s2, m2 = _F32
    h = h ^ (h >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s1
    return h


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def char_shingle_hash32(shingle: str | bytes) -> int:
    """The 32-bit hash of one character shingle, equal to the vectorised one.

    Pass it as ``hashfunc`` to ``datasketch.MinHash`` to reproduce our signatures.
    """
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8", "surrogatepass")
    h = 0
    for j, ch in enumerate(shingle):
        h += ord(ch) * POSITION_MULTIPLIERS[j]
    return _fmix64_int(h & _MASK64) >> 32


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for ``(num_perm, seed)``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


@dataclass(frozen=True)
class MinHashParams:
    """What a signature depends on; stored in every signature file and checked on use."""

    shingle: str = "char"
    ngram: int = 5
    bands: int = 40
    rows: int = 20
    seed: int = 1
    lowercase: bool = True
    digits_to_zero: bool = False

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> "MinHashParams":
        allowed = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - allowed - {"num_perm"})
        if unknown:
            raise ValueError(f"unknown minhash parameter(s) {', '.join(unknown)}; "
                             f"accepted: {', '.join(sorted(allowed))}")
        p = cls(**{k: v for k, v in d.items() if k in allowed})
        p.validate()
        if "num_perm" in d and int(d["num_perm"]) != p.num_perm:
            raise ValueError(f"num_perm {d['num_perm']} != bands x rows = {p.num_perm} (only bands x rows are used)")
        return p

    def validate(self) -> None:
        if self.shingle not in SHINGLE_KINDS:
            raise ValueError(f"shingle must be one of {', '.join(SHINGLE_KINDS)}, got {self.shingle!r}")
        if not 1 <= int(self.ngram) <= MAX_NGRAM:
            raise ValueError(f"ngram must be in [1, {MAX_NGRAM}], got {self.ngram}")
        if int(self.bands) < 1 or int(self.rows) < 1:
            raise ValueError(f"bands and rows must be positive, got {self.bands} x {self.rows}")
        if not 0 <= int(self.seed) < 2**32:
            raise ValueError(f"seed must be in [0, 2^32), got {self.seed}")


def load_minhash_params(spec: str | Mapping[str, Any] | None = "dedup", **overrides: Any) -> MinHashParams:
    """Params from a preset name (``filters/<name>.yaml``, its ``dedup.minhash``) or a mapping."""
    if spec is None:
        base: dict[str, Any] = {}
    elif isinstance(spec, str):

        section = (load_config(spec).get("dedup") or {}).get("minhash")
        if not isinstance(section, Mapping):
            raise ConfigError(f"preset {spec!r} has no 'dedup: minhash:' mapping")
        base = dict(section)
    else:
        base = dict(spec)
    base.update({k: v for k, v in overrides.items() if v is not None})
    return MinHashParams.from_mapping(base)


#: size of the work matrix of permuted shingle hashes (one per worker)
WORK_BYTES = 2 << 20


class MinHasher:
    """Computes shingle hashes, signatures and band keys for one parameter set."""

    def __init__(self, params: MinHashParams | None = None, block: int | None = None) -> None:
        self.params = params or MinHashParams()
        self.params.validate()
        a, b = permutations(self.params.num_perm, self.params.seed)
        self.a, self.b = a, b
        self._a_col, self._b_col = a[:, None], b[:, None]
        #: shingles per step: the num_perm x block work matrix stays within WORK_BYTES
        self.block = block or max(64, WORK_BYTES // (4 * self.params.num_perm))
        # written here (np.full, not a lazily mapped np.empty): resident from the start, so a
        # worker's memory does not grow page by page as longer documents reach further into it
        self._buf = np.full(self.params.num_perm * self.block, 0, dtype=np.uint32)
        self._tagger: Any = None

    # normalisation and shingles -------------------------------------------------------
    def normalize(self, text: str) -> str:
        p = self.params
        return normalize_for_dedup(text, lowercase=p.lowercase, digits_to_zero=p.digits_to_zero)

    def text_hash(self, normalized: str) -> int:
        """64-bit hash of the normalised text (exact duplicates)."""
        return xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))

    def _units(self, normalized: str) -> np.ndarray:
        """uint64 per code point (char shingles) or per MeCab token hash (word shingles)."""
        if self.params.shingle == "char":
            cps = np.frombuffer(normalized.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            return cps.astype(np.uint64)
        tokens = self._tokenize(normalized)
        return np.fromiter((xxhash.xxh3_64_intdigest(t.encode("utf-8", "surrogatepass")) for t in tokens),
                           dtype=np.uint64, count=len(tokens))

    def _tokenize(self, text: str) -> list[str]:
        if self._tagger is None:
            import MeCab

            self._tagger = MeCab.Tagger("-Owakati")
        return self._tagger.parse(text).split()

    def shingle_hashes(self, normalized: str) -> np.ndarray:
        """Distinct 32-bit shingle hashes; a text shorter than one shingle is one shingle."""
        units = self._units(normalized)
        n = min(int(self.params.ngram), len(units))
        if n == 0:
            return np.empty(0, dtype=np.uint32)
        count = len(units) - n + 1
        h = units[:count] * _POS_NP[0]
        for j in range(1, n):
            h += units[j:j + count] * _POS_NP[j]
        fmix64(h)
        h >>= _U64(32)
        out = np.sort(h.astype(np.uint32))
        keep = np.empty(len(out), dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        return out[keep]  # np.unique is ~5x slower here

    # signatures -------------------------------------------------------------------------
    def signature_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """The ``num_perm`` minimum permuted hash values (datasketch ``hashvalues``)."""
        sig = np.full(self.params.num_perm, MAX_HASH32, dtype=np.uint32)
        if len(hashes) == 0:
            return sig
        hv = fmix32(hashes.astype(np.uint32, copy=True))
        a, b, k = self._a_col, self._b_col, self.params.num_perm
        for start in range(0, len(hv), self.block):
            chunk = hv[None, start:start + self.block]
            # permutations x shingles, contiguous: the min runs along rows (vectorised)
            work = self._buf[: k * chunk.shape[1]].reshape(k, chunk.shape[1])
            np.multiply(a, chunk, out=work)
            np.add(work, b, out=work)
            np.minimum(sig, work.min(axis=1), out=sig)
        return sig

    def signature(self, text: str, normalized: bool = False) -> np.ndarray:
        norm = text if normalized else self.normalize(text)
        return self.signature_of_hashes(self.shingle_hashes(norm))

    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """One 64-bit key per band: xxh3 of the band's ``rows`` values, seeded by band."""
        rows = self.params.rows
        raw = np.ascontiguousarray(signature, dtype="<u4").tobytes()
        step = rows * 4
        digest = xxhash.xxh3_64_intdigest
        return np.array([digest(raw[i * step:(i + 1) * step], seed=i) for i in range(self.params.bands)],
                        dtype=np.uint64)


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Share of equal signature positions (the MinHash Jaccard estimate)."""
    if len(sig_a) == 0:
        return 0.0
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
