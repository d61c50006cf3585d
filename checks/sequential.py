"""Judgements that stay valid however often they are looked at: the nightly run looks at a deployment every
night for its whole life, and a test repeated at a fixed level would, over a year, alarm on a stable model
almost surely.

Two tools, each bounding the chance of *any* false alarm over a deployment's life by the policy's `alpha`:

- **Spending the error budget across looks** (per-feature drift). Look `t` of `features` features tests at
  `alpha / (features * t * (t + 1))`; these sum to `alpha` over all looks and features. The test is a lower
  confidence bound on the effect at that level (the Kolmogorov-Smirnov distance for a numeric feature, the
  total variation distance of category shares for a categorical one) set against a materiality: a huge sample
  cannot alarm on a negligible shift, and a materiality of 0 is the plain significance test.
- **Time-uniform confidence sequences** (performance decay, fairness gaps as labelled cohorts mature): the
  predictable plug-in empirical-Bernstein confidence sequence of Waudby-Smith and Ramdas (2023, JRSS-B,
  Theorem 2) for a mean of values in [0, 1], updated a night at a time. Its bounds hold at every night at
  once, so a bound that crosses a limit on any night is a finding, not an artefact of looking.

tests/checks/test_sequential.py simulates 1,000 deployments of 365 nights each and reports the lifetime
false-alarm rate, the naive rate of the fixed-level test on the same streams, and the power.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

# --- spending the error budget -----------------------------------------------------------------------


def spent_alpha(alpha: float, look: int, features: int = 1) -> float:
    """The level of look `look` (1, 2, ...) of one of `features` features: alpha / (features t (t + 1))."""
    if look < 1 or features < 1:
        raise ValueError("looks and features count from 1")
    return alpha / (features * look * (look + 1))


def ks_margin(n: int, m: int, level: float) -> float:
    """How far the two-sample Kolmogorov-Smirnov distance of samples of `n` and `m` rows from one distribution
    strays with probability at most `level` (the Dvoretzky-Kiefer-Wolfowitz-Massart form)."""
    return math.sqrt(math.log(2 / level) * (n + m) / (2 * n * m))


def tvd_margin(n: int, m: int, categories: int, level: float) -> float:
    """The same for the total variation distance of two samples' shares over `categories` categories: each
    sample's shares stray from the truth by at most this (Bretagnolle-Huber-Carol), with `level` split evenly."""
    def one(rows: int) -> float:
        return math.sqrt((categories * math.log(2) + math.log(4 / level)) / (2 * rows))

    return one(n) + one(m)


def ks_distance(reference_sorted: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The two-sample KS distance of each row of `current` (samples along the last axis) against one sorted
    reference; vectorised so that a simulation of many looks is cheap. Equals scipy.stats.ks_2samp's statistic."""
    cur = np.sort(np.asarray(current, dtype=float), axis=-1)
    n, m = cur.shape[-1], len(reference_sorted)
    i = np.arange(1, n + 1)
    above = i / n - np.searchsorted(reference_sorted, cur, side="right") / m
    below = np.searchsorted(reference_sorted, cur, side="left") / m - (i - 1) / n
    return np.maximum(above.max(axis=-1), below.max(axis=-1))


@dataclass(frozen=True)
class SpentLook:
    """One feature's test at one look: the distance, its lower bound at the spent level, and the verdict."""

    distance: float
    lower_bound: float
    level: float
    drifted: bool


def judge_look(distance: float, margin: float, level: float, materiality: float) -> SpentLook:
    lower = max(0.0, distance - margin)
    return SpentLook(distance, lower, level, lower > materiality)


# --- confidence sequences ----------------------------------------------------------------------------


def _bets(alpha: float, variance: np.ndarray, first: np.ndarray, count: int, cap: float) -> np.ndarray:
    """Lambda for each of the next `count` observations, numbered from `first`: WSR's predictable plug-in
    sqrt(2 log(2/alpha) / (variance t log(1 + t))), capped. It depends on the data before the batch (the
    variance estimate) and on the observation's number alone, so it is predictable."""
    t = first[..., None] + np.arange(count)
    return np.minimum(np.sqrt(2 * math.log(2 / alpha) / (variance[..., None] * t * np.log1p(t))), cap)


@dataclass(frozen=True)
class MeanSequence:
    """The running state of an empirical-Bernstein confidence sequence for a mean of values in [0, 1], fed a
    batch (a night's rows, in order) at a time.

    Each row gets its own bet from the variance estimated on the batches before and its own number, and is
    centred on the mean of the batches before: everything it is weighed by was fixed before it was seen.
    """

    alpha: float
    rows: int = 0
    total: float = 0.0  # sum of values
    squares: float = 0.25  # 1/4 + sum of (x - the centre it was weighed against)^2: the variance's numerator
    weights: float = 0.0  # sum of lambda
    weighted: float = 0.0  # sum of lambda x
    penalty: float = 0.0  # sum of v psi(lambda)
    cap: float = 0.5

    @property
    def mean(self) -> float:
        return (0.5 + self.total) / (self.rows + 1)

    def update(self, values: np.ndarray) -> MeanSequence:
        """Add a batch of values in [0, 1], in the order they arrived."""
        x = np.asarray(values, dtype=float)
        if len(x) == 0:
            return self
        lam = _bets(self.alpha, np.array(self.squares / (self.rows + 1)), np.array(self.rows + 1), len(x), self.cap)
        centre = self.mean
        deviation = (x - centre) ** 2
        psi = (-np.log1p(-lam) - lam) / 4
        return MeanSequence(
            self.alpha, self.rows + len(x), self.total + float(x.sum()), self.squares + float(deviation.sum()),
            self.weights + float(lam.sum()), self.weighted + float((lam * x).sum()),
            self.penalty + float((4 * deviation * psi).sum()), self.cap)

    def bounds(self) -> tuple[float, float]:
        """The interval that holds the mean at every step at once with probability at least 1 - alpha."""
        if self.weights == 0:
            return 0.0, 1.0
        centre = self.weighted / self.weights
        half = (math.log(2 / self.alpha) + self.penalty) / self.weights
        return max(0.0, centre - half), min(1.0, centre + half)


def sequence_bounds(alpha: float, batches: Sequence[np.ndarray]) -> list[tuple[float, float]]:
    """The bounds after each batch (a night's values in [0, 1])."""
    state, out = MeanSequence(alpha), []
    for batch in batches:
        state = state.update(batch)
        out.append(state.bounds())
    return out


def paired_batch(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One night's 0/1 rows of two groups paired at random (the larger group's extra rows left out), each pair
    giving (x_a - x_b + 1) / 2 in [0, 1], whose mean is one half exactly when the groups' rates are equal: the
    batch to feed a `MeanSequence` on the gap. One sequence on the pairs is far narrower than two groups'
    sequences set side by side, whose widths add."""
    n = min(len(a), len(b))
    return (rng.permutation(np.asarray(a, dtype=float))[:n] - rng.permutation(np.asarray(b, dtype=float))[:n] + 1) / 2


def gap_interval(state: MeanSequence) -> tuple[float, float]:
    """The bounds of a sequence fed with `paired_batch`, as bounds on the gap (rate of a less rate of b)."""
    low, high = state.bounds()
    return 2 * low - 1, 2 * high - 1


def gap_lower_bound(bounds: Sequence[tuple[float, float]]) -> float:
    """A lower bound on the size of the largest gap, from bounds on each pair of groups' difference
    (`gap_interval`, each sequence at alpha / pairs): the largest distance of a pair's interval from zero (0 when every interval holds 0)."""
    return max(0.0, *(max(low, -high) for low, high in bounds))


# --- vectorised over many simulated deployments (the simulation in the tests) -----------------------------


def batched_sequence_bounds(alpha: float, nights: Iterable[np.ndarray], cap: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """`sequence_bounds` for many streams at once: each night is a (streams, rows) array of values in [0, 1]."""
    low, high = [], []
    # Each state is one value per stream, sized by the first night.
    rows: Any = None
    total: Any = None
    squares: Any = None
    weights: Any = None
    weighted: Any = None
    penalty: Any = None
    log_term = math.log(2 / alpha)
    for night in nights:
        x = np.asarray(night, dtype=float)
        if rows is None:
            rows, total = np.zeros(len(x)), np.zeros(len(x))
            squares, weights, weighted, penalty = np.full(len(x), 0.25), np.zeros(len(x)), np.zeros(len(x)), np.zeros(len(x))
        lam = _bets(alpha, squares / (rows + 1), rows + 1, x.shape[1], cap)
        deviation = (x - ((0.5 + total) / (rows + 1))[:, None]) ** 2
        psi = (-np.log1p(-lam) - lam) / 4
        rows, total, squares = rows + x.shape[1], total + x.sum(axis=1), squares + deviation.sum(axis=1)
        weights, weighted = weights + lam.sum(axis=1), weighted + (lam * x).sum(axis=1)
        penalty = penalty + (4 * deviation * psi).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mid, half = weighted / weights, (log_term + penalty) / weights
        low.append(np.where(weights > 0, np.maximum(0.0, mid - half), 0.0))
        high.append(np.where(weights > 0, np.minimum(1.0, mid + half), 1.0))
    return np.stack(low, axis=1), np.stack(high, axis=1)


# --- a yes/no rate: the beta-binomial mixture -------------------------------------------------------------


def bernoulli_sequence_bounds(successes: int, rows: int, alpha: float, prior: float = 0.5) -> tuple[float, float]:
    """A time-uniform confidence interval for the rate of a yes/no outcome after `rows` rows with `successes`
    yeses: every p whose beta-binomial mixture martingale (a Beta(prior, prior) mixture of the likelihood ratios
    against p; Robbins 1970, Howard et al. 2021, Annals of Statistics, section 3) stays under 1/alpha. By
    Ville's inequality the true rate leaves it at some look with probability at most alpha, however often one
    looks. For a rare event (a leak in a few answers of thousands) it is far tighter than the
    empirical-Bernstein sequence, whose bets are capped."""
    from scipy.optimize import brentq
    from scipy.special import betaln

    if rows == 0:
        return 0.0, 1.0
    s, f = successes, rows - successes
    mixture = betaln(prior + s, prior + f) - betaln(prior, prior)
    threshold = math.log(1 / alpha)

    def log_martingale(p: float) -> float:
        """log M(p) - log(1/alpha): negative inside the interval. At the rate observed M is at most 1."""
        return mixture - (s * math.log(p) if s else 0.0) - (f * math.log1p(-p) if f else 0.0) - threshold

    mle, tiny = s / rows, 1e-12
    low = 0.0 if s == 0 or log_martingale(tiny) < 0 else cast(float, brentq(log_martingale, tiny, mle))
    high = 1.0 if f == 0 or log_martingale(1 - tiny) < 0 else cast(float, brentq(log_martingale, mle, 1 - tiny))
    return float(low), float(high)
