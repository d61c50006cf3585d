"""The one place the policy files (policy, waivers, control catalogue, questionnaire and assessments) are read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from govflow.checks.controls import Catalogue, parse_controls
from govflow.checks.manifest import sha256_hex
from govflow.checks.policy import Policy, PolicyError, parse_policy
from govflow.checks.risk_assessment import Assessment, Questionnaire, parse_assessment, parse_questionnaire
from govflow.checks.waivers import Waiver, parse_waivers


def _read(path: Path, what: str) -> tuple[str, bytes]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the {what} file: {exc.strerror}") from None
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: the {what} file is not UTF-8 text") from None


# Parsed once per content: a night resolves every model's policy, waivers, catalogue and questionnaire, and
# parsing them took 0.4 s a model (profiled). The file is read each time, so an edit between models counts;
# the parsed models are frozen, so sharing one is safe.
_parse_policy = lru_cache(maxsize=8)(parse_policy)
_parse_questionnaire = lru_cache(maxsize=8)(parse_questionnaire)


@lru_cache(maxsize=8)
def _parse_waivers(text: str, source: str) -> tuple[Waiver, ...]:
    from govflow.checks import CHECKS

    return parse_waivers(text, source, CHECKS)


@lru_cache(maxsize=8)
def _parse_controls(text: str, source: str) -> Catalogue:
    from govflow.checks import CHECKS

    return parse_controls(text, source, CHECKS)


def load_policy(path: Path) -> tuple[Policy, str]:
    """The typed policy and the SHA-256 of the file's bytes, which every evidence run records."""
    text, raw = _read(path, "policy")
    return _parse_policy(text, str(path)), sha256_hex(raw)


def load_waivers(path: Path) -> tuple[tuple[Waiver, ...], str]:
    """The waivers and the SHA-256 of the file's bytes; check ids are held against the registry."""
    text, raw = _read(path, "waivers")
    return _parse_waivers(text, str(path)), sha256_hex(raw)


def load_controls(path: Path) -> Catalogue:
    """The control catalogue; its check ids are held against the registry."""
    text, _ = _read(path, "controls")
    return _parse_controls(text, str(path))


def load_assessment(questionnaire_file: Path, assessments_dir: Path, model: str) -> tuple[
        Questionnaire, Assessment | None, str]:
    """The questionnaire, the model's assessment (`<dir>/<model>.yaml`) if one is on file, and its SHA-256."""
    text, _ = _read(questionnaire_file, "questionnaire")
    questionnaire = _parse_questionnaire(text, str(questionnaire_file))
    path = Path(assessments_dir) / f"{model}.yaml"
    if not path.exists():
        return questionnaire, None, ""
    text, raw = _read(path, "assessment")
    assessment = parse_assessment(text, str(path), questionnaire)
    if assessment.model != model:
        raise PolicyError(f"{path}, line 1: key 'model': the file assesses '{assessment.model}', not '{model}'")
    return questionnaire, assessment, sha256_hex(raw)
