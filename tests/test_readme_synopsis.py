"""The README's synopsis of the command line is what `--help` says."""

import re
from pathlib import Path

from agents_runner.cli.parser import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_verb_s_usage_is_in_the_readme():
    readme = _flat(README.read_text())
    verbs = build_parser().get_default("verbs")
    assert len(verbs) >= 10
    for sub in verbs.values():
        usage = _flat(sub.format_usage()).removeprefix("usage: ")
        assert usage in readme, f"README.md lacks the synopsis: {usage}"
