"""Reading a command line as docker does: the words after `--` are the command, and
the word after an option that takes a value is its value even when it starts with '-'
(`--agent-arg --model`, `--prompt -v`)."""

from __future__ import annotations

import argparse

from ..config import BACKENDS


def verb_in(argv: list[str], verbs: tuple[str, ...]) -> str | None:
    """The verb the words name, read as argparse will: the first word that is not an
    option or the value of --state-dir or --backend."""
    words = iter(argv)
    for word in words:
        if word in ("--state-dir", "--backend"):
            next(words, None)
        elif not word.startswith("-"):
            return word if word in verbs else None
    return None


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []


def attach_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`--agent-arg --model` -> `--agent-arg=--model`: the word after an option that takes
    a value is its value, as docker reads it, even when it begins with '-'."""
    verbs: dict[str, argparse.ArgumentParser] = parser.get_default("verbs")
    takes_value = _value_options(parser)
    out: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in verbs and not any(w in verbs for w in out):
            takes_value = {**takes_value, **_value_options(verbs[word])}
        long_name = takes_value.get(word)
        if long_name is not None and index + 1 < len(argv):
            out.append(f"{long_name}={argv[index + 1]}")
            index += 2
            continue
        out.append(word)
        index += 1
    return out


def _value_options(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option string that takes one value, mapped to its long form."""
    options = {}
    for action in parser._actions:
        takes_one = action.option_strings and action.nargs is None and action.const is None
        if takes_one and isinstance(action, argparse._StoreAction | argparse._AppendAction):
            long_name = max(action.option_strings, key=len)
            options.update(dict.fromkeys(action.option_strings, long_name))
    return options


class Unused:
    """Where the options of the verbs not being parsed go: building them all costs a
    read verb a good part of its start, and only one verb is ever parsed."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        return None


def add_backend_option(parser: argparse.ArgumentParser, *, after_verb: bool = False) -> None:
    """--backend: before any verb, and after `run`'s."""
    if after_verb:
        parser.add_argument(
            "--backend",
            choices=BACKENDS,
            default=argparse.SUPPRESS,
            help="docker or swarm (default: see 'agents-runner --help')",
        )
        return
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="where tasks run: one engine (docker, the default; Docker or Podman at "
        "DOCKER_HOST) or a Docker Swarm cluster whose manager DOCKER_HOST names (swarm); "
        "default: $AGENTS_RUNNER_BACKEND, else docker; after the verb too for run",
    )


def count_or_unlimited(text: str) -> int | str:
    if text == "unlimited":
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is neither a whole number nor unlimited")
    return int(text)


def count_of_lines(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of lines")
    return int(text)


def option_last(words: list[str], option: str) -> list[str]:
    """`words` with `option` and its value moved to the end, where argparse takes them
    after every positional word (it stops a list of them at an option)."""
    for index, word in enumerate(words):
        if word == option and index + 1 < len(words):
            return [*words[:index], *words[index + 2 :], word, words[index + 1]]
        if word.startswith(option + "="):
            return [*words[:index], *words[index + 1 :], word]
    return words
