"""Model-risk governance for the models in your MLflow registry: gate each new version against its tier's
policy, monitor deployed versions every night, sweep for reviews and retirements, and keep evidence an
auditor can verify offline.

Start with `govflow demo`; then `govflow gate MODEL VERSION`, `govflow nightly`, `govflow report`,
`govflow verify MODEL`. Exit codes: 0 approved (waivers included) or nothing found, 1 a finding,
2 bad input.
"""

from __future__ import annotations

import sys

import typer

from govflow.cli import audit, controls, demo, evidence, findings, gating, operations, systems, webhooks
from govflow.cli.runner import store_failure_message


def _paragraphs(text: str | None) -> str | None:
    """A docstring as help: its lines joined, its blank lines kept (the terminal wraps, not the source)."""
    return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n")) if text else None


app = typer.Typer(add_completion=False, no_args_is_help=True, help=_paragraphs(__doc__))
# One module per group of commands; the top-level commands of each are merged into `govflow` itself.
for module in (gating, operations, evidence, demo):
    app.registered_commands += module.app.registered_commands
for name, group in (("evidence", evidence.group), ("controls", controls.group), ("audit", audit.group),
                    ("webhook", webhooks.group), ("finding", findings.finding_group),
                    ("feedback", findings.feedback_group), ("system", systems.group)):
    app.add_typer(group, name=name)
for typer_app in (app, *(info.typer_instance for info in app.registered_groups if info.typer_instance)):
    for command in typer_app.registered_commands:
        command.help = command.help or _paragraphs(command.callback.__doc__ if command.callback else None)


def _hold_native_threads() -> None:
    """This process's OpenMP and BLAS threads held to its share of its cores, before numpy loads; settings that
    do not parse are reported by the command itself."""
    from govflow.settings import Settings
    from govflow.threads import hold_native_threads

    try:
        processes = Settings().processes
    except ValueError:
        processes = 1
    hold_native_threads(processes)


def main() -> None:
    """The `govflow` command. A store that fails (MLflow down, the database stopped, a head store behind its
    chain) is one line on stderr naming it and what to do, exit 1, never a traceback."""
    _hold_native_threads()
    try:
        app()
    except Exception as exc:
        message = store_failure_message(exc)
        if message is None:
            raise
        typer.echo(f"govflow: {message}", err=True)
        sys.exit(1)


__all__ = ["app", "main"]
