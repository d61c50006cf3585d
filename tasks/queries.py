"""MLflow search filters built from names, never by pasting a name between quotes: a model called `o'brien`
would break the filter, and one called `x' and tags.`governance.model` != '` would rewrite it. MLflow's filter
grammar takes a string in single or double quotes with no escape, so a value is put in the quote it does not
hold; one holding both cannot be named in a filter at all, and is refused with a message saying so."""

from __future__ import annotations


class UnquotableName(ValueError):
    """A name holding both quote characters: no MLflow search filter can name it."""


def quoted(value: str) -> str:
    """`value` as a filter string literal, in the quote it does not contain."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise UnquotableName(f"the name {value!r} holds both ' and \", which MLflow's search filters cannot quote; "
                         "rename the registered model")


def tag_is(tag: str, value: str) -> str:
    """The clause `tags.<tag> = <value>`, the tag key in backticks (govflow's keys hold dots)."""
    return f"tags.`{tag}` = {quoted(value)}"


def name_is(value: str) -> str:
    """The clause `name = <value>` for the model registry's searches."""
    return f"name = {quoted(value)}"


def runs_of(model: str, *clauses: str, **tags: str) -> str:
    """The governance runs of `model` (tag `governance.model`), with `governance.<key>` tags equal to the given
    values and any further clauses, joined with `and`."""
    return " and ".join([tag_is("governance.model", model),
                         *(tag_is(f"governance.{key}", value) for key, value in tags.items()), *clauses])


# A committed run: one that recorded its manifest hash.
COMMITTED = "tags.`governance.manifest_sha256` != ''"
# A run still open: committing or setting a run aside terminates it, so one stopped early stays RUNNING.
STILL_OPEN = "attributes.status = 'RUNNING'"
