"""How a TaskSpec field is declared: its default, how the payload keeps it, and the
`run` option that sets it (Option)."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class Option:
    """How `run` offers a TaskSpec field on the command line: argparse's arguments, kept
    here beside the field so that the parser builds its options from the spec's own
    declaration. Left out, an option gives the field its default."""

    flags: tuple[str, ...]  # `--env`, `-e`; a positional argument: its name
    help: str
    metavar: str | None = None
    action: str | None = None  # "append" or "store_true"; None: one value
    type: str | None = None  # "duration", "count_or_unlimited" or "number" (parser.py)
    choices: tuple[str, ...] | None = None
    nargs: str | None = None
    said: str | None = None  # how an error names it, when not by its first flag

    def dest(self, name: str) -> str:
        """Where argparse keeps the value of field `name`: an option under the field's
        own name, a positional argument under its (`command_argv`: `command` is the verb)."""
        return name if self.flags[0].startswith("-") else self.flags[0]


ABSENT = object()


def spec_field(
    default: Any = MISSING,
    *,
    factory: Any = MISSING,
    option: Option | None = None,
    payload: str | None = "value",
    absent: Any = ABSENT,
    **kwargs: Any,
) -> Any:
    """One field of TaskSpec with what is said of it besides its type and default:
    `option`, how the command line offers it; `payload`, how to_payload() keeps it
    ("value", "list", "dict"; None: never kept); `absent`, what a stored payload without
    it meant, when not the default (a payload written before the field had one)."""
    metadata: dict[str, Any] = {"payload": payload}
    if option is not None:
        metadata["option"] = option
    if absent is not ABSENT:
        metadata["absent"] = absent
    return field(default=default, default_factory=factory, metadata=metadata, **kwargs)


def when_absent(f: Any) -> Any:
    """What a stored payload without the field meant: a payload written before the
    hardened defaults (its metadata's `absent`) meant no limit."""
    if "absent" in f.metadata:
        return f.metadata["absent"]
    if f.default_factory is not MISSING:
        return f.default_factory()
    if f.default is not MISSING:
        return f.default
    return None
