"""Reading policy YAML into the typed models: every error names the source, the key path and the line, for
the policy and for the waiver, control and questionnaire files that use the same reader."""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from govflow.checks.jurisdictions import OverlayError
from govflow.checks.policy.rules import TIER_NAMES
from govflow.checks.policy.tiers import Policy


class PolicyError(ValueError):
    """A policy file (policy, waivers) that cannot be used; the message names file, key and line."""


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_typed(text: str, source: str, cls: type[ModelT]) -> tuple[ModelT, yaml.Node | None]:
    """YAML text as a typed model, with its node tree for line numbers; PolicyError naming `source`, the
    key path and the line for bad YAML, an unknown key or a bad value."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{source}, line 1: the file must be a mapping of keys, got {type(data).__name__}")
    try:
        return cls.model_validate(data), node
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(part) for part in err["loc"] if part != "[key]"]  # pydantic's marker for a bad dict key
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"{source}, line {line_of(node, loc)}: key '{'.'.join(loc)}': {msg}")
        raise PolicyError("\n".join(lines)) from exc


def parse_policy(text: str, source: str) -> Policy:
    """Parse policy YAML; raise PolicyError naming `source`, the key path and the line."""
    policy, node = parse_typed(text, source, Policy)
    missing = [t for t in TIER_NAMES if t not in policy.tiers]
    if missing:
        raise PolicyError(f"{source}, line {line_of(node, ['tiers'])}: key 'tiers': missing tier(s) {missing}")
    for code, jurisdiction in policy.jurisdictions.items():
        if code != code.strip().lower() or "," in code or not code:
            # Versions' tags are read lower case and comma separated: any other code no tag could ever name.
            raise PolicyError(f"{source}, line {line_of(node, ['jurisdictions', code])}: key 'jurisdictions.{code}': "
                              "a jurisdiction code is lower case, without spaces or commas (eu, us, uk)")
        for tier in jurisdiction.tiers:
            where = ["jurisdictions", code, "tiers", tier]
            try:
                policy.tier(tier, (code,))
            except OverlayError as exc:
                raise PolicyError(f"{source}, line {line_of(node, where)}: key '{'.'.join(where)}': {exc}") from None
            except ValidationError as exc:
                error = exc.errors()[0]
                key = ".".join(str(p) for p in error["loc"])
                raise PolicyError(f"{source}, line {line_of(node, where + key.split('.'))}: key "
                                  f"'{'.'.join(where)}.{key}': {error['msg']}") from None
    return policy


def line_of(node: yaml.Node | None, loc: list[str]) -> int:
    """1-based line of the deepest YAML node that `loc` reaches."""
    line = (node.start_mark.line + 1) if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                return line
            key, node = match
            line = key.start_mark.line + 1 if key.start_mark is not None else line
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            mark = getattr(node, "start_mark", None)  # PyYAML's stubs leave a sequence's items untyped
            line = mark.line + 1 if mark is not None else line
        else:
            return line
    return line

