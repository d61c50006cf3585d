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
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class MeanSequence:
    """The running state of an empirical-Bernstein confidence sequence for a mean of values in [0, 1], fed in
    batches.

    Within a batch the bet `lambda` and the centring mean are those fixed by the batches before it (predictable),
    which keeps the sequence valid; a batch enters through its count, sum and sum of squares alone.
    """

    alpha: float
    rows: int = 0
    total: float = 0.0  # sum of values
    squares: float = 0.25  # 1/4 + sum of (x - running mean)^2, the variance estimate's numerator
    weights: float = 0.0  # sum of lambda
    weighted: float = 0.0  # sum of lambda x
    penalty: float = 0.0  # sum of v psi(lambda)
    cap: float = 0.5

    @property
    def mean(self) -> float:
        return (0.5 + self.total) / (self.rows + 1)

    def bet(self) -> float:
        """The next observation's lambda, from the data so far."""
        t = self.rows + 1
        return min(math.sqrt(2 * math.log(2 / self.alpha) / (self.squares * math.log(1 + t))), self.cap)

    def update(self, count: int, total: float, squares: float | None = None) -> MeanSequence:
        """Add a batch of `count` values summing to `total` whose squares sum to `squares` (for 0/1 values, the
        total)."""
        if count == 0:
            return self
        squares = total if squares is None else squares
        lam, centre = self.bet(), self.mean
        psi = (-math.log(1 - lam) - lam) / 4
        deviations = squares - 2 * centre * total + count * centre * centre  # sum of (x - centre)^2
        return MeanSequence(
            self.alpha, self.rows + count, self.total + total, self.squares + deviations,
            self.weights + lam * count, self.weighted + lam * total, self.penalty + 4 * deviations * psi,
            self.cap)

    def bounds(self) -> tuple[float, float]:
        """The interval that holds the mean at every step at once with probability at least 1 - alpha."""
        if self.weights == 0:
            return 0.0, 1.0
        centre = self.weighted / self.weights
        half = (math.log(2 / self.alpha) + self.penalty) / self.weights
        return max(0.0, centre - half), min(1.0, centre + half)


def sequence_bounds(alpha: float, counts: Sequence[int], totals: Sequence[float],
                    squares: Sequence[float] | None = None) -> list[tuple[float, float]]:
    """The bounds after each night, for nights of `counts` values summing to `totals` (0/1 values unless
    `squares` gives each night's sum of squares)."""
    state, out = MeanSequence(alpha), []
    for i, (count, total) in enumerate(zip(counts, totals, strict=True)):
        state = state.update(count, total, None if squares is None else squares[i])
        out.append(state.bounds())
    return out


def paired_batch(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> tuple[int, float, float]:
    """One night's 0/1 rows of two groups paired at random (the larger group's extra rows left out), each pair
    giving (x_a - x_b + 1) / 2 in [0, 1], whose mean is one half exactly when the groups' rates are equal:
    (count, sum, sum of squares) to feed a `MeanSequence` on the gap. One sequence on the pairs is far
    narrower than two groups' sequences set side by side, whose widths add."""
    n = min(len(a), len(b))
    z = (rng.permutation(np.asarray(a, dtype=float))[:n] - rng.permutation(np.asarray(b, dtype=float))[:n] + 1) / 2
    return n, float(z.sum()), float((z * z).sum())


def gap_interval(state: MeanSequence) -> tuple[float, float]:
    """The bounds of a sequence fed with `paired_batch`, as bounds on the gap (rate of a less rate of b)."""
    low, high = state.bounds()
    return 2 * low - 1, 2 * high - 1


def gap_lower_bound(bounds: Sequence[tuple[float, float]]) -> float:
    """A lower bound on the size of the largest gap, from bounds on each pair of groups' difference
    (`gap_interval`, each sequence at alpha / pairs): the largest distance of a pair's interval from zero (0 when every interval holds 0)."""
    return max(0.0, *(max(low, -high) for low, high in bounds))


# --- vectorised over many simulated deployments (the simulation in the tests) -----------------------------


def batched_sequence_bounds(alpha: float, counts: np.ndarray, totals: np.ndarray,
                            squares: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`sequence_bounds` for many streams at once: `counts`, `totals` (and `squares`) are (streams, nights)."""
    squares = totals if squares is None else squares
    streams, nights = counts.shape
    rows, total, spread = np.zeros(streams), np.zeros(streams), np.full(streams, 0.25)
    weights, weighted, penalty = np.zeros(streams), np.zeros(streams), np.zeros(streams)
    low, high = np.empty((streams, nights)), np.empty((streams, nights))
    log_term = math.log(2 / alpha)
    for night in range(nights):
        t = rows + 1
        lam = np.minimum(np.sqrt(2 * log_term / (spread * np.log1p(t))), 0.5)
        centre = (0.5 + total) / t
        n, s = counts[:, night], totals[:, night]
        deviations = squares[:, night] - 2 * centre * s + n * centre * centre
        psi = (-np.log1p(-lam) - lam) / 4
        rows, total, spread = rows + n, total + s, spread + deviations
        weights, weighted, penalty = weights + lam * n, weighted + lam * s, penalty + 4 * deviations * psi
        with np.errstate(divide="ignore", invalid="ignore"):
            mid, half = weighted / weights, (log_term + penalty) / weights
        low[:, night] = np.where(weights > 0, np.maximum(0.0, mid - half), 0.0)
        high[:, night] = np.where(weights > 0, np.minimum(1.0, mid + half), 1.0)
    return low, high
