"""Time each issue-8 check family adds to the gate, at a given number of evaluation rows, against the
reference libraries measured in the same run.

    .venv/bin/python bench/transparency.py [--rows N]   (default 1,000,000; the note quotes 100,000)

The model is the demo loan model, saved and loaded as MLflow saves a registered model (pyfunc, with its
signature enforced), exactly as the gate questions it. Each measurement runs in a fresh process and
reports wall time (best of 3) and peak resident memory added after the data is built. The limits, sample
caps and repeats are the shipped high tier's, from config/policy.yaml.
"""

from __future__ import annotations

from harness import measure, report, rows_argument, scratch

FEATURES = ["age", "income", "debt_to_income", "credit_history_years", "loan_amount", "employment_years",
            "employment_type", "purpose"]
SENSITIVE = ["race", "sex"]


def make_data(rows: int):
    import mlflow.pyfunc
    import mlflow.sklearn
    import numpy as np
    from mlflow.models import infer_signature

    from govflow.demo.data import _loan_frame, loan_approval
    from govflow.demo.seed import _pipeline
    from govflow.policy_file import load_policy
    from govflow.settings import DEFAULT_POLICY
    from govflow.tasks.models import TRUSTED_TYPES
    from govflow.tasks.scoring import LoadedModel

    scenario = loan_approval()
    reference = scenario.reference
    model = _pipeline(scenario, reference[FEATURES]).fit(reference[FEATURES], reference["approved"])
    path = scratch("govflow-transparency-") / "model"
    mlflow.sklearn.save_model(model, str(path), pyfunc_predict_fn="predict_proba",
                              signature=infer_signature(reference[FEATURES], model.predict_proba(reference[FEATURES])),
                              pip_requirements=mlflow.sklearn.get_default_pip_requirements(),
                              skops_trusted_types=TRUSTED_TYPES)
    pyfunc = mlflow.pyfunc.load_model(str(path))
    loaded = LoadedModel(model=pyfunc, input_columns=tuple(FEATURES), local_path=str(path))
    frame = _loan_frame(np.random.default_rng(1), rows)
    tier = load_policy(DEFAULT_POLICY)[0].tier("high")
    return loaded, model, frame, tier


def _importance(loaded, model, frame, tier):
    from govflow.tasks.probes import explain_model

    return explain_model.fn(loaded, frame, frame["approved"].to_numpy(), FEATURES, tier.explainability, 0.95,
                            ("approved", *SENSITIVE))


def _sklearn_importance_sample(loaded, model, frame, tier):
    """scikit-learn's permutation importance and partial dependence on the same capped sample, repeats and
    grid, calling the scikit-learn pipeline directly (no MLflow in the way)."""
    from sklearn.inspection import partial_dependence, permutation_importance

    from govflow.checks.explainability import grid
    from govflow.checks.sampling import seeded_sample

    rules = tier.explainability
    sample = seeded_sample(frame, rules.sample_rows, rules.seed)
    result = permutation_importance(model, sample[FEATURES], sample["approved"], scoring="roc_auc",
                                    n_repeats=rules.repeats, random_state=rules.seed)
    top = [FEATURES[i] for i in result.importances_mean.argsort()[::-1][:rules.top_features]]
    for feature in top:
        partial_dependence(model, sample[FEATURES], [feature], kind="average",
                           custom_values={feature: grid(sample[feature], rules.grid_points)})
    return result


def _sklearn_importance_all_rows(loaded, model, frame, tier):
    """What an uncapped permutation importance costs: every row, the same repeats."""
    from sklearn.inspection import permutation_importance

    return permutation_importance(model, frame[FEATURES], frame["approved"], scoring="roc_auc",
                                  n_repeats=tier.explainability.repeats, random_state=tier.explainability.seed)


def _proxy(loaded, model, frame, tier):
    from govflow.checks.proxy import proxy_audit

    return proxy_audit(frame, FEATURES, SENSITIVE, tier.proxy)


def _scipy_association(loaded, model, frame, tier):
    """SciPy's Cramer's V on the same sample and bins (the association half of the proxy check)."""
    import pandas as pd
    from scipy.stats.contingency import association

    from govflow.checks.proxy import as_categories
    from govflow.checks.sampling import seeded_sample

    sample = seeded_sample(frame[FEATURES + SENSITIVE], tier.proxy.sample_rows, tier.proxy.seed)
    return [association(pd.crosstab(as_categories(sample[f], tier.proxy.bins), sample[a]).to_numpy(), method="cramer")
            for a in SENSITIVE for f in FEATURES]


def _robustness(loaded, model, frame, tier):
    from govflow.tasks.probes import probe_robustness

    return probe_robustness.fn(loaded, frame, FEATURES, "income:+,debt_to_income:-,credit_history_years:+",
                               tier.robustness, 0.95, ("approved", *SENSITIVE))


CARD = {f"governance.{field}": f"the {field.replace('_', ' ')} of the loan model" for field in (
    "intended_use", "out_of_scope_uses", "limitations", "training_data", "evaluation_data", "ethical_considerations",
    "contact")}


def _documentation(loaded, model, frame, tier):
    from govflow.checks.documentation import model_card_results

    return model_card_results(CARD, None, None, tier.documentation.model_card)


def _score_all_rows(loaded, model, frame, tier):
    """For scale: scoring every evaluation row once through MLflow, which the gate does anyway."""
    return loaded.model.predict(frame[FEATURES])


def warm(fn) -> None:
    fn(*make_data(2000))


def main() -> None:
    rows = rows_argument(__doc__)
    print(f"rows={rows:,} (high tier: importance on 5,000 sampled rows x 5 repeats, proxies on 5,000, robustness "
          f"on 2,000)")
    report("explainability.importance + partial dependence: govflow (through MLflow pyfunc) vs scikit-learn "
           "(pipeline called directly) on the same sample",
           ("importance", measure("transparency", "_importance", (rows,))),
           ("sklearn_importance_sample", measure("transparency", "_sklearn_importance_sample", (rows,))))
    report("explainability.importance: govflow (capped) vs scikit-learn on every row",
           ("importance", measure("transparency", "_importance", (rows,))),
           ("sklearn_importance_all_rows", measure("transparency", "_sklearn_importance_all_rows", (rows,))))
    report("proxy.association + proxy.predictability: govflow vs SciPy's Cramer's V alone on the same sample",
           ("proxy", measure("transparency", "_proxy", (rows,))),
           ("scipy_association", measure("transparency", "_scipy_association", (rows,))))
    report("robustness (noise, monotonic x3, missing value x8) vs scoring every row once through MLflow",
           ("robustness", measure("transparency", "_robustness", (rows,))),
           ("score_all_rows", measure("transparency", "_score_all_rows", (rows,))))
    seconds, mib = measure("transparency", "_documentation", (rows,))
    print(f"documentation.model_card\n  documentation: {seconds:8.4f} s  peak +{mib:7.1f} MiB")


if __name__ == "__main__":
    main()
