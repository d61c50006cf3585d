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
  normal-mixture confidence sequence (Robbins 1970; Howard, Ramdas, McAuliffe and Sekhon 2021, Annals of
  Statistics) for the average mean of values in [0, 1], updated a night at a time from a count and a sum.
  Its bounds hold at every night at once, so a bound that crosses a limit on any night is a finding, not an
  artefact of looking; and they hold the lifetime average however the mean moved, which is what the point
  estimate shown beside them is.

tests/checks/test_sequential.py simulates 1,000 deployments of 365 nights each and reports the lifetime
false-alarm rate, the naive rate of the fixed-level test on the same streams, and the power.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

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
    right = np.searchsorted(reference_sorted, cur, side="right")
    # Left and right insertion points differ only at values the reference holds: search again for those alone
    # (a continuous feature has next to none; the second full search was a third of a simulated night).
    tied = (right > 0) & (reference_sorted[np.maximum(right - 1, 0)] == cur)
    left = np.where(tied, np.searchsorted(reference_sorted, cur, side="left"), right) if tied.any() else right
    above = i / n - right / m
    below = left / m - (i - 1) / n
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

# Where the sequence is narrowest, in rows: any value keeps it valid; it only trades width early for width late.
# A deployment judged on its lifetime has thousands of labelled rows within weeks.
NARROWEST_AT_ROWS = 10_000


def mixture_scale(alpha: float) -> float:
    """The normal mixture's precision rho that makes the radius narrowest at NARROWEST_AT_ROWS rows: rho = V /
    (2 log(1/alpha) + log(1 + 2 log(1/alpha))), V = rows / 4 (tests/checks/test_sequential.py holds that it is
    the minimum)."""
    log_term = 2 * math.log(1 / alpha)
    return NARROWEST_AT_ROWS / 4 / (log_term + math.log1p(log_term))


def mixture_radius(rows: np.ndarray | float, alpha: float) -> np.ndarray | float:
    """How far a sum of `rows` values in [0, 1] strays from the sum of their means, at every number of rows at
    once with probability at least 1 - alpha: sqrt((V + rho) (log((V + rho) / rho) + 2 log(1/alpha))), V =
    rows / 4 (each value is 1/2-sub-Gaussian about its mean, by Hoeffding's lemma)."""
    rho = mixture_scale(alpha)
    v = np.asarray(rows, dtype=float) / 4 + rho
    return np.sqrt(v * (np.log(v / rho) + 2 * math.log(1 / alpha)))


@dataclass(frozen=True)
class MeanSequence:
    """The running state of a confidence sequence for the mean of values in [0, 1], fed a batch (a night's
    rows) at a time: only how many rows and their sum, so a night continues it from two numbers.

    The interval holds, at every night at once, the average of the rows' means, weighting every row alike:
    the lifetime mean the point estimate (the plain average) estimates, however the mean moved over the life.
    (A variance-adaptive sequence with bets that shrink over time holds a mean weighted towards the first rows
    instead; once a model's accuracy slipped, its interval could sit wholly above the plain average and PASS a
    model whose lifetime accuracy was below the floor.)
    """

    alpha: float
    rows: int = 0
    total: float = 0.0  # sum of values

    def update(self, values: np.ndarray) -> MeanSequence:
        """Add a batch of values in [0, 1]."""
        x = np.asarray(values, dtype=float)
        if len(x) == 0:
            return self
        return MeanSequence(self.alpha, self.rows + len(x), self.total + float(x.sum()))

    def bounds(self) -> tuple[float, float]:
        """The interval that holds the average of the means at every step at once with probability at least
        1 - alpha: a normal mixture of the sub-Gaussian exponential supermartingales, and Ville's inequality."""
        if self.rows == 0:
            return 0.0, 1.0
        half = float(mixture_radius(self.rows, self.alpha)) / self.rows
        centre = self.total / self.rows
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


def batched_sequence_bounds(alpha: float, nights: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """`sequence_bounds` for many streams at once: each night is a (streams, rows) array of values in [0, 1]."""
    low, high = [], []
    rows, total = 0, None
    for night in nights:
        x = np.asarray(night, dtype=float)
        rows, total = rows + x.shape[1], (0.0 if total is None else total) + x.sum(axis=1)
        half = float(mixture_radius(rows, alpha)) / rows if rows else 1.0
        centre = total / rows if rows else np.full(len(x), 0.5)
        low.append(np.maximum(0.0, centre - half))
        high.append(np.minimum(1.0, centre + half))
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
