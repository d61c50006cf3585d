"""Every command's help says what it does for the user and shows an example that uses its real options."""

import re

import pytest
import typer.main

from govflow.cli import app

COMMAND = typer.main.get_command(app)


def _commands():
    """Every command a user is shown (a hidden one only points elsewhere)."""
    for name, command in COMMAND.commands.items():
        if hasattr(command, "commands"):  # a group: its commands
            yield from ((f"{name} {sub}", cmd) for sub, cmd in command.commands.items() if not cmd.hidden)
        else:
            yield name, command


@pytest.mark.parametrize(("name", "command"), list(_commands()), ids=lambda v: v if isinstance(v, str) else "")
def test_each_command_has_an_example_using_its_own_options(name, command):
    example = re.search(r"Example: (govflow [^\n]*)", command.help or "")
    assert example, f"govflow {name}: no example in its help"
    assert example.group(1).startswith(f"govflow {name}"), example.group(1)
    known = {opt for p in command.params for opt in p.opts}
    used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", example.group(1)))
    assert used <= known, f"govflow {name}: the example uses {sorted(used - known)}, not options of the command"


def test_the_top_level_help_says_what_a_user_can_do():
    text = COMMAND.help or ""
    assert "governance" in text and "govflow demo" in text and "thin shell" not in text
