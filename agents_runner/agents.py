"""Agent profiles: how an agent name and a prompt become the argv of its CLI.

Each profile builds the CLI's documented non-interactive mode. The prompt is always
one argv element of its own (or the value of a `--opt=` element), never passed
through a shell. Sources, as documented by each project:

- codex:   `codex exec [flags] PROMPT`, read-only sandbox unless `--sandbox
           workspace-write`. OpenAI, "Non-interactive mode",
           https://developers.openai.com/codex/noninteractive
- claude:  `claude -p/--print [flags] PROMPT`. Anthropic, Claude Code "Headless mode",
           https://docs.claude.com/en/docs/claude-code/headless
- gemini:  `gemini -p/--prompt PROMPT` (headless mode). Google, Gemini CLI "Headless
           mode reference", https://geminicli.com/docs/cli/headless/
- copilot: `copilot -p PROMPT` with `--allow-all-tools` for unattended runs. GitHub,
           "Copilot CLI programmatic reference", https://docs.github.com/en/copilot/
           reference/copilot-cli-reference/cli-programmatic-reference
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

# Plain classes, not dataclasses: the command line imports this module to list the
# profiles, and importing the dataclasses module costs more than an interpreter's start.


class SecretNeed:
    """The profile needs one of these variables; `required` makes a missing one an error."""

    __slots__ = ("names", "required")

    def __init__(self, names: tuple[str, ...], required: bool = False) -> None:
        self.names = names
        self.required = required

    def satisfied_by(self, available: Mapping[str, str]) -> bool:
        return any(available.get(name) for name in self.names)

    def describe(self) -> str:
        if len(self.names) == 1:
            return f"the secret {self.names[0]}"
        return "one of the secrets " + ", ".join(self.names)


class AgentProfile:
    __slots__ = ("build", "description", "executable", "image_hint", "name", "secrets")

    def __init__(
        self,
        name: str,
        executable: str,
        description: str,
        build: Callable[[str, str, Sequence[str]], list[str]],
        secrets: tuple[SecretNeed, ...] = (),
        image_hint: str = "",
    ) -> None:
        self.name = name
        self.executable = executable
        self.description = description
        self.build = build
        self.secrets = secrets
        self.image_hint = image_hint

    def argv(
        self, prompt: str, extra_args: Sequence[str] = (), executable: str | None = None
    ) -> list[str]:
        """The container's command. `executable` replaces the CLI's name (a path in the
        image, or the `echo` stand-in the acceptance suite uses)."""
        return self.build(executable or self.executable, prompt, extra_args)


def _echo(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, *extra, prompt]


def _codex(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    # The workspace is the container's whole world, so the agent may edit it.
    sandbox = ["--sandbox", "workspace-write", "--skip-git-repo-check"]
    return [exe, "exec", *sandbox, *extra, "--", prompt]


def _claude(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, "--print", "--output-format", "text", *extra, "--", prompt]


def _gemini(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    # `--prompt=` keeps a prompt that starts with "-" from being read as a flag.
    return [exe, "--yolo", *extra, f"--prompt={prompt}"]


def _copilot(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, "--allow-all-tools", "--no-color", *extra, "-p", prompt]


PROFILES: dict[str, AgentProfile] = {
    profile.name: profile
    for profile in (
        AgentProfile("echo", "echo", "prints the prompt; a stand-in agent for trying out", _echo),
        AgentProfile(
            "codex",
            "codex",
            "OpenAI Codex CLI, `codex exec` non-interactive mode",
            _codex,
            secrets=(SecretNeed(("CODEX_API_KEY", "OPENAI_API_KEY"), required=True),),
            image_hint="an image with `npm install -g @openai/codex`",
        ),
        AgentProfile(
            "claude",
            "claude",
            "Anthropic Claude Code, `claude --print` headless mode",
            _claude,
            secrets=(SecretNeed(("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN")),),
            image_hint="an image with `npm install -g @anthropic-ai/claude-code` (Node.js 18+)",
        ),
        AgentProfile(
            "gemini",
            "gemini",
            "Google Gemini CLI, `gemini --prompt` headless mode",
            _gemini,
            secrets=(SecretNeed(("GEMINI_API_KEY", "GOOGLE_API_KEY")),),
            image_hint="an image with `npm install -g @google/gemini-cli` (Node.js 20+)",
        ),
        AgentProfile(
            "copilot",
            "copilot",
            "GitHub Copilot CLI, `copilot -p` programmatic mode",
            _copilot,
            secrets=(SecretNeed(("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN")),),
            image_hint="an image with `npm install -g @github/copilot` (Node.js 22+)",
        ),
    )
}


def known_agents() -> list[str]:
    return sorted(PROFILES)


def get_profile(name: str) -> AgentProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"agent: unknown agent {name!r}; known agents: {', '.join(known_agents())}"
        ) from None


def missing_secrets(
    profile: AgentProfile, secrets: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the profile's secrets that `secrets` does not provide."""
    errors, warnings = [], []
    for need in profile.secrets:
        if not need.satisfied_by(secrets):
            message = f"the {profile.name} agent expects {need.describe()}"
            (errors if need.required else warnings).append(message)
    return errors, warnings
