"""Pure governance logic: data and a typed policy in, results out.

Nothing in this package does I/O or imports Prefect, MLflow or Great Expectations.
Every check id is a stable dotted name used alike in the policy YAML, the results,
the evidence artifact names and the test ids.
"""

from govflow.checks.check_registry import REGISTRY
from govflow.checks.results import CheckResult, Status

# Check id -> what it judges, from the registry (checks/check_registry.py), which also says which jobs run it.
CHECKS: dict[str, str] = {check_id: spec.description for check_id, spec in REGISTRY.items()}

__all__ = ["CHECKS", "CheckResult", "Status"]
