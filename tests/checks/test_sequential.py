"""Anytime-valid nightly looks (checks/sequential.py): the pieces against independent computations, then a
simulation of 1,000 deployments x 365 nightly looks: the lifetime false-alarm rate, the naive fixed-level rate
on the same streams, and the power against an injected shift with the median night it is found.

    .venv/bin/python -m pytest tests/checks/test_sequential.py -s

prints the figures."""

import math

import numpy as np
import pytest
from scipy import special, stats

from govflow.checks.sequential import (
    NARROWEST_AT_ROWS,
    MeanSequence,
    batched_sequence_bounds,
    gap_interval,
    gap_lower_bound,
    judge_look,
    ks_distance,
    ks_margin,
    mixture_radius,
    mixture_scale,
    paired_batch,
    sequence_bounds,
    spent_alpha,
    tvd_margin,
)

ALPHA = 0.05
RUNS, NIGHTS = 1000, 365


def test_the_budget_spent_over_a_lifetime_sums_to_alpha():
    assert sum(spent_alpha(ALPHA, t, 4) * 4 for t in range(1, 200_001)) == pytest.approx(ALPHA, rel=1e-4)
    assert spent_alpha(ALPHA, 1, 1) == ALPHA / 2
    with pytest.raises(ValueError):
        spent_alpha(ALPHA, 0)


@pytest.mark.parametrize("decimals", [2, None])  # ties on purpose, and none
def test_ks_distance_equals_scipy(decimals):
    rng = np.random.default_rng(0)
    reference, current = rng.normal(size=3000), rng.normal(0.1, 1, (5, 400))
    if decimals is not None:
        reference, current = np.round(reference, decimals), np.round(current, decimals)
    reference = np.sort(reference)
    for row, d in zip(current, ks_distance(reference, current)):
        assert d == pytest.approx(stats.ks_2samp(reference, row).statistic, abs=1e-12)


def test_the_ks_margin_is_at_least_the_exact_critical_value():
    """The bound used is conservative: never below the two-sample KS critical value at the same level."""
    for n, m, level in ((150, 5000, 1e-3), (400, 6000, 1e-5), (50, 50, 0.05)):
        critical = stats.kstwo.ppf(1 - level, round(n * m / (n + m)))  # the large-sample equivalent sample size
        assert ks_margin(n, m, level) >= critical * 0.98


def test_a_material_shift_drifts_and_a_negligible_one_in_a_huge_sample_does_not():
    level = spent_alpha(ALPHA, 30, 10)
    huge = judge_look(0.01, ks_margin(1_000_000, 1_000_000, level), level, materiality=0.05)
    assert not huge.drifted and huge.lower_bound < 0.05  # significant, but not material
    assert judge_look(0.3, ks_margin(400, 6000, level), level, materiality=0.05).drifted
    assert tvd_margin(400, 6000, 4, level) > ks_margin(400, 6000, level)  # categories cost a little more


def test_the_batched_sequence_is_the_single_one_run_many_times():
    rng = np.random.default_rng(1)
    nights = [(rng.random((3, int(n))) < 0.3).astype(float) for n in rng.integers(50, 200, 40)]
    low, high = batched_sequence_bounds(ALPHA, nights)
    for s in range(3):
        single = sequence_bounds(ALPHA, [night[s] for night in nights])
        assert np.allclose(low[s], [b[0] for b in single]) and np.allclose(high[s], [b[1] for b in single])


def test_the_sequence_covers_the_mean_at_every_step_of_a_stream():
    """Values in [0, 1] (beta distributed), nights of 20: the bounds miss the mean on any night in at most
    alpha of the streams."""
    rng = np.random.default_rng(9)
    low, high = batched_sequence_bounds(ALPHA, (rng.beta(2, 5, (2000, 20)) for _ in range(300)))
    mean = 2 / 7
    assert ((low > mean) | (high < mean)).any(axis=1).mean() <= ALPHA


def test_the_sequence_holds_the_lifetime_average_when_the_mean_moves():
    """A model's accuracy slips from 0.86 to 0.70 on night 100: at every night the interval holds the plain
    average of the nights' means (what the point estimate beside it estimates) in all but alpha of the streams,
    and the point estimate is always inside it. A sequence weighted towards the first nights held 0.80 above
    an average of 0.78 and passed the model."""
    rng = np.random.default_rng(12)
    means = np.where(np.arange(300) < 100, 0.86, 0.70)
    nights = [(rng.random((1000, 100)) < mean).astype(float) for mean in means]
    low, high = batched_sequence_bounds(ALPHA, nights)
    average = np.cumsum(means) / np.arange(1, len(means) + 1)
    assert ((low > average) | (high < average)).any(axis=1).mean() <= ALPHA
    point = np.cumsum(np.stack([n.mean(axis=1) for n in nights], axis=1), axis=1) / np.arange(1, len(means) + 1)
    assert ((low <= point) & (point <= high)).all()


def test_the_mixture_is_narrowest_where_it_is_tuned():
    rows = NARROWEST_AT_ROWS
    at = {scale: math.sqrt((rows / 4 + scale) * (math.log((rows / 4 + scale) / scale) + 2 * math.log(1 / ALPHA)))
          for scale in (mixture_scale(ALPHA) * f for f in (0.5, 0.9, 1.0, 1.1, 2.0))}
    assert min(at, key=lambda scale: at[scale]) == mixture_scale(ALPHA)
    assert mixture_radius(rows, ALPHA) == pytest.approx(at[mixture_scale(ALPHA)])


def test_the_sequence_narrows_around_the_mean_and_a_single_state_updates():
    rng, state = np.random.default_rng(2), MeanSequence(ALPHA)
    for _ in range(200):
        state = state.update((rng.random(100) < 0.3).astype(float))
    low, high = state.bounds()
    assert low < 0.3 < high and high - low < 0.04
    assert gap_lower_bound([(0.05, 0.1), (-0.2, -0.15)]) == pytest.approx(0.15)
    assert gap_lower_bound([(-0.01, 0.02), (-0.05, 0.01)]) == 0.0
    gap = MeanSequence(ALPHA)
    for _ in range(300):
        gap = gap.update(paired_batch(rng.random(200) < 0.55, rng.random(150) < 0.45, rng))
    low, high = gap_interval(gap)
    assert 0 < low < 0.1 < high and gap.rows == 300 * 150


def _first_night(alarms: np.ndarray) -> np.ndarray:
    """The first night (1-based) each run alarms, or 0 when it never does."""
    return np.where(alarms.any(axis=1), alarms.argmax(axis=1) + 1, 0)


def _report(name: str, sequential: np.ndarray, naive: np.ndarray) -> None:
    print(f"\n{name}: lifetime false-alarm rate {sequential.mean():.3f} anytime-valid, {naive.mean():.3f} naive "
          f"(alpha {ALPHA}, {RUNS} runs x {NIGHTS} looks)")


def _fairness_alarms(rng, gap: float, per_group: int = 150):
    """Two groups' nightly selections, `per_group` decisions each a night at rates 0.5 and 0.5 - gap. Anytime-
    valid: one confidence sequence on the paired rows' (x_a - x_b + 1) / 2, an alarm when it leaves 1/2. Naive:
    a two-proportion z-test on the cumulative counts at 0.05, every night."""
    cumulative = np.zeros((2, RUNS))
    naive = np.zeros((RUNS, NIGHTS), bool)

    def nights():
        for night in range(NIGHTS):
            a = (rng.random((RUNS, per_group)) < 0.5).astype(float)
            b = (rng.random((RUNS, per_group)) < 0.5 - gap).astype(float)
            cumulative[0] += a.sum(axis=1)
            cumulative[1] += b.sum(axis=1)
            n = per_group * (night + 1)
            pooled = cumulative.sum(axis=0) / (2 * n)
            z = (cumulative[0] - cumulative[1]) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
            naive[:, night] = np.abs(z) > stats.norm.ppf(1 - ALPHA / 2)
            yield (a - b + 1) / 2

    low, high = batched_sequence_bounds(ALPHA, nights())
    return (2 * low - 1 > 0.0) | (2 * high - 1 < 0.0), naive


@pytest.mark.slow
def test_fairness_gap_lifetime_false_alarms_at_most_alpha_and_a_three_point_gap_is_found():
    rng = np.random.default_rng(20261202)
    sequential, naive = _fairness_alarms(rng, 0.0)
    rate, naive_rate = sequential.any(axis=1), naive.any(axis=1)
    _report("fairness gap (selection rate, 2 groups x 150 a night)", rate, naive_rate)
    assert rate.mean() <= ALPHA
    assert naive_rate.mean() > 0.3  # looked at every night, the fixed-level test alarms on a stable model
    found, _ = _fairness_alarms(rng, 0.03)
    nights = _first_night(found)
    power = (nights > 0).mean()
    print(f"  power against a 3-point gap: {power:.3f} within {NIGHTS} nights, median night "
          f"{int(np.median(nights[nights > 0]))}")
    assert power >= 0.8


@pytest.mark.slow
def test_decay_lifetime_false_alarms_at_most_alpha_at_the_limit_itself():
    """Accuracy exactly at the floor (the worst stable case): the upper bound never falls below it, but for
    alpha; a model 5 points below the floor is found."""
    rng = np.random.default_rng(7)
    floor, per_night = 0.75, 200

    def nights(accuracy):
        return [(rng.random((RUNS, per_night)) < accuracy).astype(float) for _ in range(NIGHTS)]

    stable = nights(floor)
    _, high = batched_sequence_bounds(ALPHA, stable)
    sequential = (high < floor).any(axis=1)
    rows = per_night * np.arange(1, NIGHTS + 1)
    cumulative = np.cumsum(np.stack([night.sum(axis=1) for night in stable], axis=1), axis=1) / rows
    naive = (cumulative + stats.norm.ppf(1 - ALPHA) * np.sqrt(cumulative * (1 - cumulative) / rows) < floor).any(axis=1)
    _report(f"performance decay (accuracy at its floor, {per_night} labelled a night)", sequential, naive)
    assert sequential.mean() <= ALPHA < naive.mean()
    _, high = batched_sequence_bounds(ALPHA, nights(floor - 0.05))
    found = _first_night(high < floor)
    print(f"  power against accuracy 5 points below the floor: {(found > 0).mean():.3f}, median night "
          f"{int(np.median(found[found > 0]))}")
    assert (found > 0).mean() >= 0.99


class _UniformReference:
    """A fixed reference on the uniform scale, for the drift simulation's 2 million KS distances: KS is unchanged
    by a strictly increasing map of both samples, so with the reference put through the normal CDF, a night of
    normal rows is a night of uniforms, drawn already sorted. Each row's reference count comes from a table of
    2^16 bins, stepped on past the reference points inside the row's bin: exact, and about three times cheaper
    than sorting normals and a binary search per row (the searches were most of the simulation's 78 s).
    `test_the_simulations_distances_are_ks_distance` holds it equal to ks_distance (itself held to SciPy's)."""

    BINS = 1 << 16

    def __init__(self, reference: np.ndarray):
        self.u = np.append(special.ndtr(np.sort(reference)), 2.0)  # a sentinel above every uniform
        self.m = len(self.u) - 1
        self.below = np.searchsorted(self.u[:-1], np.arange(self.BINS) / self.BINS, side="left").astype(np.int32)

    def distances(self, u_sorted: np.ndarray) -> np.ndarray:
        n = u_sorted.shape[-1]
        at_most = self.below[(u_sorted * self.BINS).astype(np.int32)]  # reference points below the row's bin
        while (more := self.u[at_most] <= u_sorted).any():  # a continuous reference has ties with nothing
            at_most += more
        i, seen = np.arange(1, n + 1, dtype=np.int64), at_most.astype(np.int64) * n
        return np.maximum((i * self.m - seen).max(axis=-1), (seen - (i - 1) * self.m).max(axis=-1)) / (n * self.m)


def _sorted_uniforms(rng: np.random.Generator, runs: int, n: int) -> np.ndarray:
    """`runs` rows of n sorted uniforms, without a sort: cumulative exponential spacings over their total."""
    spacings = np.cumsum(rng.standard_exponential((runs, n + 1)), axis=1)
    return spacings[:, :n] / spacings[:, n:]


def _shifted(u_sorted: np.ndarray, shift: float) -> np.ndarray:
    """Uniforms of a normal `shift` SDs up, on the reference's uniform scale (order kept: the map increases)."""
    return special.ndtr(special.ndtri(u_sorted) + shift)


def test_the_simulations_distances_are_ks_distance():
    rng = np.random.default_rng(3)
    reference = rng.normal(size=5000)
    table = _UniformReference(reference)
    for shift in (0.0, 0.5):
        u = _sorted_uniforms(rng, 200, 400)
        expected = ks_distance(np.sort(reference), special.ndtri(u) + shift)
        np.testing.assert_allclose(table.distances(_shifted(u, shift)), expected, rtol=0, atol=1e-12)
        assert (np.diff(u, axis=1) > 0).all()


@pytest.mark.slow
def test_drift_lifetime_false_alarms_at_most_alpha_and_a_half_sd_shift_is_found():
    """Five numeric features, a reference of 5,000 rows, 400 rows a night; spending alpha / (F t (t + 1))."""
    rng = np.random.default_rng(11)
    features, n, m = 5, 400, 5000
    reference = [_UniformReference(rng.normal(size=m)) for _ in range(features)]
    naive_margin = ks_margin(n, m, ALPHA)
    spent = np.array([ks_margin(n, m, spent_alpha(ALPHA, t, features)) for t in range(1, NIGHTS + 1)])
    sequential, naive = np.zeros(RUNS, bool), np.zeros(RUNS, bool)
    shift_start, shifted_found = 100, np.zeros(RUNS, int)
    for night in range(NIGHTS):
        for f in range(features):
            d = reference[f].distances(_sorted_uniforms(rng, RUNS, n))
            sequential |= d > spent[night]
            naive |= d > naive_margin
        if night >= shift_start:  # a second fleet of the same runs, one feature shifted by half a SD
            d = reference[0].distances(_shifted(_sorted_uniforms(rng, RUNS, n), 0.5))
            shifted_found = np.where((shifted_found == 0) & (d > spent[night]), night + 1 - shift_start, shifted_found)
    _report(f"per-feature drift ({features} features, {n} rows a night, KS)", sequential, naive)
    assert sequential.mean() <= ALPHA and naive.mean() > 0.9
    power = (shifted_found > 0).mean()
    print(f"  power against a 0.5 SD shift from night {shift_start}: {power:.3f}, median delay "
          f"{int(np.median(shifted_found[shifted_found > 0]))} night(s)")
    assert power >= 0.99 and math.isfinite(np.median(shifted_found))
