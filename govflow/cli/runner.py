"""What every `govflow` command shares: settings with telemetry off and secrets masked, one mapping of bad
input to exit 2, one rule from verdicts to an exit code, and stdout kept for the command's own report."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, NoReturn

import typer

from govflow.settings import Settings, apply_environment

# A verdict that lets the version serve exits 0; every other verdict exits 1 (2 is kept for bad input).
PASSING_VERDICTS = frozenset({"APPROVED", "APPROVED_WITH_WAIVERS"})


def load_settings() -> Settings:
    """The GOVFLOW_* settings, with the environment prepared and every output stream masking secrets."""
    from govflow.redact import RedactingStream

    settings = Settings()
    apply_environment(settings)
    # Set before Prefect is first imported; importing console_log here would import Prefect too early.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_CLASS", "govflow.cli.console_log.OneLineConsoleHandler")
    # Whatever any library prints (MLflow's errors quote the tracking URI), no password reaches the terminal.
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    return settings


def prefect_configured() -> bool:
    """Whether a Prefect server is configured (PREFECT_API_URL, from the environment or the profile). A job the
    command runs is then a flow run recorded there; without one it runs as its function alone, since the
    temporary server Prefect would start costs more than a gate (about six seconds) and keeps its record
    where no one looks."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def need_prefect(job: str) -> None:
    """A job that only runs as a Prefect flow (the nightly run's models side by side on its task runner, the
    demo) needs Prefect's API: the configured server, or the temporary one Prefect starts. With neither
    (PREFECT_SERVER_ALLOW_EPHEMERAL_MODE=false and no PREFECT_API_URL), one line saying so, exit 2, where
    Prefect would raise "No Prefect API URL provided" as a traceback."""
    from prefect.settings import get_current_settings

    current = get_current_settings()
    if not current.api.url and not current.server.ephemeral.enabled:
        usage_error(f"{job} runs as a Prefect flow and no Prefect server is available: set PREFECT_API_URL to a "
                    "Prefect server (docs/deploy.md), or allow Prefect's temporary one "
                    "(PREFECT_SERVER_ALLOW_EPHEMERAL_MODE=true)")


def run_job(job: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a governance job (a Prefect flow): a flow run on the configured Prefect server, or its function alone
    when none is configured (`prefect_configured`); its evidence in MLflow is the same either way."""
    return job(*args, **kwargs) if prefect_configured() else job.fn(*args, **kwargs)


def usage_error(message: str) -> NoReturn:
    """Bad input: one line on stderr naming what is wrong, exit 2."""
    typer.echo(f"govflow: {message}", err=True)
    raise typer.Exit(2)


def bad_input_types() -> tuple[type[Exception], ...]:
    """The exceptions that mean the user's input is wrong (an unknown model, a broken policy file), not that
    govflow failed; imported here, late, because they live beside MLflow."""
    from govflow.checks.policy import PolicyError
    from govflow.tasks.queries import UnquotableName
    from govflow.tasks.registry import UnknownModelVersion
    from govflow.tasks.systems import BadSystem

    return (UnknownModelVersion, PolicyError, UnquotableName, BadSystem)


def store_failure_message(exc: BaseException) -> str | None:
    """One line for a store that failed under a command, or None when `exc` is something else."""
    from govflow.flows.chain_guard import ChainHeadsMissing
    from govflow.store_errors import store_failure
    from govflow.tasks.head_store import ChainLockTimeout, HeadConflict

    if isinstance(exc, (ChainHeadsMissing, ChainLockTimeout, HeadConflict)):
        return str(exc)
    try:
        uri = Settings().resolved_tracking_uri
    except ValueError:  # settings that do not parse failed earlier, with their own message
        uri = "the tracking URI"
    return store_failure(exc, uri)


@contextlib.contextmanager
def flow_output() -> Iterator[None]:
    """Run a flow with what libraries print (MLflow's "View run at ...") sent to stderr, so stdout holds the
    command's report alone (one JSON object under --json); bad input raised inside becomes exit 2."""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    except bad_input_types() as exc:
        usage_error(str(exc))


def exit_code(verdicts: Iterable[str]) -> int:
    """0 when every verdict lets its version serve (none at all included), else 1: the rule of every command."""
    return 0 if all(str(v) in PASSING_VERDICTS for v in verdicts) else 1


def exit_for(verdicts: Iterable[str]) -> NoReturn:
    raise typer.Exit(exit_code(verdicts))


def emit_json(document: object) -> None:
    """One JSON object on stdout, a line of its own."""
    sys.stdout.write(json.dumps(document) + "\n")


def validate_subject(settings: Settings, model: str, version: str | None) -> str:
    """The version (named, else the serving one, else the newest) once the policy, waiver and assessment files
    read and the registry holds it; raises the bad-input exception naming what is wrong."""
    from govflow.policy_file import load_assessment, load_policy, load_waivers
    from govflow.tasks.registry import lookup_model_version, named_or_current

    load_policy(settings.policy_file)
    load_waivers(settings.waivers_file)
    load_assessment(settings.questionnaire_file, settings.assessments_dir, model)
    found = named_or_current(settings.resolved_tracking_uri, model, version)
    lookup_model_version(settings.resolved_tracking_uri, model, found)
    return found


def check_subject(settings: Settings, model: str, version: str | None) -> str:
    """`validate_subject`, answering bad input with exit 2 in a second, before the flow engine starts."""
    try:
        return validate_subject(settings, model, version)
    except bad_input_types() as exc:
        usage_error(str(exc))
