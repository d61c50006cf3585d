"""The beta-binomial confidence sequence for a yes/no rate (checks/sequential.py): its boundary is where the
mixture martingale, integrated numerically here, reaches 1/alpha; and its false alarms over every look stay
under alpha, simulated."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from govflow.checks.sequential import bernoulli_sequence_bounds


@pytest.mark.parametrize(("hits", "rows"), [(0, 1800), (3, 400), (36, 1200), (250, 500)])
def test_the_bounds_are_where_the_mixture_martingale_reaches_one_over_alpha(hits, rows):
    alpha = 0.05
    low, high = bernoulli_sequence_bounds(hits, rows, alpha)

    def martingale(p: float) -> float:
        # The Beta(1/2, 1/2) mixture of likelihood ratios against p, by quadrature (no closed form used); each
        # ratio taken in logs, so thousands of rows neither underflow nor lose the integral's precision.
        def ratio(q: float) -> float:
            log = (hits * math.log(q / p) if hits else 0.0) + (rows - hits) * math.log((1 - q) / (1 - p))
            return stats.beta.pdf(q, 0.5, 0.5) * math.exp(log)

        peak = hits / rows
        mixed, _ = integrate.quad(ratio, 0, 1, points=[x for x in (peak, p) if 0 < x < 1], limit=500,
                                  epsabs=0, epsrel=1e-10)
        return mixed

    assert martingale(high) == pytest.approx(1 / alpha, rel=1e-3)
    assert low == 0.0 if hits == 0 else martingale(low) == pytest.approx(1 / alpha, rel=1e-3)
    assert low <= hits / rows <= high


def test_the_true_rate_leaves_the_sequence_at_some_look_at_most_alpha_of_the_time():
    rng = np.random.default_rng(11)
    p, alpha, looks, per_look, runs = 0.01, 0.1, 30, 100, 500
    left = 0
    for _ in range(runs):
        draws = (rng.random(looks * per_look) < p).reshape(looks, per_look).sum(axis=1).cumsum()
        left += any(not (lo <= p <= hi) for lo, hi in (
            bernoulli_sequence_bounds(int(k), (i + 1) * per_look, alpha) for i, k in enumerate(draws)))
    # 500 deployments, 30 looks each: the sequence held the true rate at all 30 in at least 1 - alpha of them.
    assert left / runs <= alpha
