"""Regional policy: a version declares where it is used (tag `governance.jurisdictions`, e.g. `eu,us`), and each
jurisdiction's overlay in the policy tightens its tier: lower maxima, higher minima, blocking checks, more model
card fields or sign-off roles, shorter deadlines, or checks the tier does not run. Where overlays meet, the
stricter rule wins, whatever their order; an overlay can never loosen the tier, and a key with no stricter
direction (a seed, a sample size) is refused when it differs from the tier's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govflow.checks.results import CheckResult, Status

TAG = "governance.jurisdictions"

# Keys whose smaller value is stricter beyond those named max*: deadlines, review intervals, warning bands.
_LOWER = frozenset({"warn", "review_every_days", "critical", "major", "minor", "margin"})
# Keys whose larger value is stricter: minimum metrics, how long evidence is kept.
_HIGHER = frozenset({"min", "retention_years", "min_kappa", "min_token_share"})
# Switches that are stricter on: a check that blocks, a relationship that must be declared.
_ON = frozenset({"blocking", "require_declaration"})


class OverlayError(ValueError):
    """An overlay that would loosen the tier or set a key that has no stricter direction."""


def _direction(key: str, inherited: str | None) -> str | None:
    if key in _ON:
        return "on"
    if key.startswith("max") or key in _LOWER:
        return "lower"
    if key in _HIGHER:
        return "higher"
    return inherited  # a metric inside max_worsening keeps its parent's direction


def tighten(base: Mapping[str, Any], overlay: Mapping[str, Any], where: str,
            inherited: str | None = None) -> dict[str, Any]:
    """`base` (a tier as plain data) with `overlay` applied, each key the stricter of the two."""
    out = dict(base)
    for key, value in overlay.items():
        path = f"{where}.{key}"
        held = base.get(key)
        direction = _direction(key, inherited)
        if held is None:
            out[key] = value  # a check, field or limit the tier does not have: added
        elif isinstance(held, Mapping) and isinstance(value, Mapping):
            out[key] = tighten(held, value, path, direction)
        elif isinstance(held, (list, tuple)) and isinstance(value, (list, tuple)):
            out[key] = [*held, *(v for v in value if v not in held)]  # more fields, roles or gaps
        elif direction == "on" and isinstance(value, bool):
            out[key] = held or value
        elif direction == "lower" and _number(value, path):
            out[key] = min(held, value)
        elif direction == "higher" and _number(value, path):
            out[key] = max(held, value)
        elif value != held:
            raise OverlayError(f"{path}: a jurisdiction may lower a maximum, raise a minimum, make a check "
                               f"blocking, add fields or add checks; '{key}' has no stricter direction "
                               f"({held!r} in the tier, {value!r} here)")
    return out


def _number(value: Any, path: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OverlayError(f"{path}: expected a number, got {value!r}")
    return True


def changes(before: Mapping[str, Any], after: Mapping[str, Any], where: str = "") -> list[dict[str, Any]]:
    """Every leaf the overlays changed or added: path, the tier's value (None when added) and the one in force."""
    out = []
    for key, value in after.items():
        path = f"{where}.{key}" if where else key
        held = before.get(key)
        if isinstance(value, Mapping) and isinstance(held, Mapping):
            out += changes(held, value, path)
        elif value != held and not (isinstance(value, (list, tuple)) and list(value) == list(held or ())):
            out.append({"path": path, "tier": held, "in_force": value})
    return out


def declared(value: str | None) -> tuple[str, ...]:
    """The jurisdiction codes a version declares (`VersionTags.jurisdictions`), lower case, in order, each once."""
    codes = [c.strip().lower() for c in (value or "").split(",") if c.strip()]
    return tuple(dict.fromkeys(codes))


def unknown_result(codes: Iterable[str], known: Iterable[str]) -> CheckResult | None:
    """An ERROR naming the declared codes the policy does not define: judged under the tier alone they would
    pass rules the jurisdiction tightens, so the verdict cannot be approval."""
    known = sorted(known)
    missing = [c for c in codes if c not in known]
    if not missing:
        return None
    return CheckResult(
        check_id="governance.required_tags", status=Status.ERROR, column=TAG,
        message=f"tag '{TAG}' names {', '.join(repr(c) for c in missing)}, which the policy does not define "
                f"(it defines {', '.join(known) or 'none'})",
        hint="correct the tag, or add the jurisdiction under 'jurisdictions' in the policy")
