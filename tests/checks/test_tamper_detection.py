"""1,000 seeded random mutations of a stored chain, as an MLflow administrator could make them: with the head
log kept outside MLflow and no signing key, `verify` names every one."""

from collections import Counter

from govflow.checks.verification import evidence_problems
from tests.tamper import MODEL, MUTATIONS, build_chain, mutate

MUTATION_COUNT = 1000


def test_the_untouched_chain_is_intact():
    runs, heads = build_chain()
    assert evidence_problems(runs, heads, MODEL) == []


def test_every_random_mutation_of_a_stored_chain_is_detected():
    runs, heads = build_chain()
    tried, missed = Counter(), []
    for seed in range(MUTATION_COUNT):
        name, mutated = mutate(seed, runs)
        tried[name] += 1
        if not evidence_problems(mutated, heads, MODEL):
            missed.append((seed, name))
    assert set(tried) == set(MUTATIONS)  # every kind of mutation was tried
    assert missed == [], missed
