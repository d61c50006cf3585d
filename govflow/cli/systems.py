"""`govflow system`: AI systems without a model govflow can load (a vendor's service, a generative-AI
application) registered in MLflow and governed like the models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govflow.cli.runner import emit_json, flow_output, load_settings, run_job, usage_error

group = typer.Typer(no_args_is_help=True, help="AI systems without a loadable model: vendor services and "
                                               "generative-AI applications.")

KINDS = ("vendor", "genai")


def parse_tags(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE pairs as tags; a pair without '=' or one setting the kind is bad input, named."""
    tags: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            usage_error(f"--tag '{pair}' is not KEY=VALUE (for example --tag governance.owner=ana@example.com)")
        if key.strip() == "governance.kind":
            usage_error("--tag governance.kind: the kind is set by --kind")
        tags[key.strip()] = value.strip()
    return tags


def _text(option: str, path: Path | None) -> str | None:
    """A text file's contents; one that cannot be read, or is empty, is bad input naming the option."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        usage_error(f"{option} {path}: {exc}")
    if not text.strip():
        usage_error(f"{option} {path} is empty")
    return text


@group.command("add")
def system_add(
    name: str,
    kind: Annotated[str, typer.Option(help="vendor (a service known by its logged decisions) or genai (an "
                                           "application with prompts, judged on its answers)")],
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE, set on the new version; repeat for more")] = None,
    prompt_file: Annotated[Path | None, typer.Option(help="the application's prompt template, registered in "
                                                          "MLflow's prompt registry and linked to the version")] = None,
    description_file: Annotated[Path | None, typer.Option(help="the version's description (Markdown); its "
                                                               "'## Intended use'-style sections document the model "
                                                               "card's fields")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Register a new version of an AI system that has no model govflow can load, as an MLflow external model;
    the gate, the nightly run, the inventory and the reports then treat it like any model. Exit 0, or 2 for bad
    input.

    Example: govflow system add support_assistant --kind genai --prompt-file prompt.txt
    --tag governance.owner=ana@example.com --tag governance.evaluation_data=eval.csv
    """
    if kind not in KINDS:
        usage_error(f"--kind '{kind}': expected one of {', '.join(KINDS)}")
    tags = parse_tags(tag or [])
    if prompt_file is not None and kind != "genai":
        usage_error("--prompt-file: only a generative-AI application (--kind genai) has a prompt")
    template = _text("--prompt-file", prompt_file)
    description = _text("--description-file", description_file)
    load_settings()
    from govflow.flows.systems import add_system

    with flow_output():
        added = run_job(add_system, name, kind, tags, template, description)
    if as_json:
        emit_json({"name": added.name, "version": added.version, "kind": added.kind, "model_id": added.model_id,
                   "prompt": added.prompt})
        return
    prompt = f", prompt {added.prompt}" if added.prompt else ""
    typer.echo(f"{added.name} version {added.version} ({added.kind}) registered as external model "
               f"{added.model_id}{prompt}\nnext: govflow gate {added.name} {added.version}")
