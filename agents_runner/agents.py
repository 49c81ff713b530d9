"""Agent profiles: how an agent name and a prompt become the argv of its CLI.

Each profile builds the CLI's documented non-interactive mode. The prompt is always
one argv element of its own (or the value of a `--opt=` element), never passed
through a shell. Sources, as documented by each project:

- codex:   `codex exec [flags] PROMPT`, read-only sandbox unless `--sandbox
           workspace-write`. OpenAI, "Non-interactive mode",
           https://developers.openai.com/codex/noninteractive
- claude:  `claude -p/--print [flags] PROMPT`. Anthropic, Claude Code "Headless mode",
           https://docs.claude.com/en/docs/claude-code/headless; with no network,
           `CLAUDE_CODE_MAX_RETRIES=0` (retries of failed API requests, default 10):
           Claude Code "Environment variables", https://code.claude.com/docs/en/env-vars
- gemini:  `gemini -p/--prompt PROMPT` (headless mode). Google, Gemini CLI "Headless
           mode reference", https://geminicli.com/docs/cli/headless/
- copilot: `copilot -p PROMPT` with `--allow-all-tools` for unattended runs. GitHub,
           "Copilot CLI programmatic reference", https://docs.github.com/en/copilot/
           reference/copilot-cli-reference/cli-programmatic-reference

Each CLI also reads its prompt from stdin when the argv has none (codex with `-`), which
is how a prompt too long for one argv element reaches it (`PROMPT_FILE`). The releases
pinned here are what `agents-runner images build` installs (agents_runner/agent_images),
and what the `@real-agent` scenarios run, offline, through these very argvs.
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


# Linux caps one argv element at 128 KiB (MAX_ARG_STRLEN); a longer prompt goes through
# a file in the container, read on the CLI's stdin.
PROMPT_ARGUMENT_LIMIT = 100_000  # bytes of UTF-8
PROMPT_FILE = "/run/agents-runner/prompt"
# The official Node.js image every agent image starts from: the oldest Node.js line still
# maintained on the date the releases were checked that meets every CLI's `engines`.
NODE_IMAGE = "node:22.23.3-bookworm-slim"


class CliRelease:
    """The npm release of an agent's CLI that its image carries, and what its package.json
    `engines` field asks of Node.js (empty: it declares nothing)."""

    __slots__ = ("checked", "node_engines", "package", "version")

    def __init__(self, package: str, version: str, node_engines: str, checked: str) -> None:
        self.package = package
        self.version = version
        self.node_engines = node_engines
        self.checked = checked


class FailureSigns:
    """What a CLI prints when it cannot reach its service, and when its credentials are
    refused, as lowercase fragments of its output."""

    __slots__ = ("account", "network")

    def __init__(self, network: tuple[str, ...], account: tuple[str, ...]) -> None:
        self.network = network
        self.account = account


class AgentProfile:
    """How one agent CLI is run: its image, how it takes a prompt, the secrets it
    expects and the signs of its failures."""

    __slots__ = (
        "build",
        "build_for_stdin",
        "description",
        "executable",
        "failure_signs",
        "login_paths",
        "name",
        "offline_env",
        "release",
        "secrets",
    )

    def __init__(
        self,
        name: str,
        executable: str,
        description: str,
        build: Callable[[str, str, Sequence[str]], list[str]],
        build_for_stdin: Callable[[str, Sequence[str]], list[str]] | None = None,
        secrets: tuple[SecretNeed, ...] = (),
        release: CliRelease | None = None,
        login_paths: tuple[str, ...] = (),
        failure_signs: FailureSigns | None = None,
        offline_env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.executable = executable
        self.description = description
        self.build = build
        self.build_for_stdin = build_for_stdin
        self.secrets = secrets
        self.release = release
        self.login_paths = login_paths  # relative to HOME: the CLI's documented login files
        self.failure_signs = failure_signs
        # Given to the CLI in a container with no network, where retrying cannot help,
        # so that it gives up at once; the task's own env and secrets win over it.
        self.offline_env = dict(offline_env or {})

    @property
    def default_image(self) -> str | None:
        """The image `agents-runner images build NAME` makes, used when no image is given."""
        if self.release is None:
            return None
        return f"agents-runner/{self.name}:{self.release.version}"

    def argv(
        self, prompt: str, extra_args: Sequence[str] = (), executable: str | None = None
    ) -> list[str]:
        """The container's command. `executable` replaces the CLI's name (a path in the
        image, or the `echo` stand-in the acceptance suite uses). A prompt longer than
        PROMPT_ARGUMENT_LIMIT is read from PROMPT_FILE on the CLI's stdin."""
        exe = executable or self.executable
        if not prompt_needs_file(prompt):
            return self.build(exe, prompt, extra_args)
        if self.build_for_stdin is None:
            raise ValueError(
                f"prompt: {len(prompt.encode())} bytes is more than one argument can carry "
                f"({PROMPT_ARGUMENT_LIMIT}), and the {self.name} agent cannot read its "
                "prompt from stdin"
            )
        # sh opens the file for the CLI, which sees an ordinary stdin.
        command = self.build_for_stdin(exe, extra_args)
        return ["sh", "-c", f'exec "$@" < {PROMPT_FILE}', "sh", *command]


def prompt_needs_file(prompt: str) -> bool:
    return len(prompt) * 4 > PROMPT_ARGUMENT_LIMIT and len(prompt.encode()) > PROMPT_ARGUMENT_LIMIT


def _echo(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, *extra, prompt]


# The workspace is the container's whole world, so the agent may edit it.
_CODEX_FLAGS = ("--sandbox", "workspace-write", "--skip-git-repo-check")
_CLAUDE_FLAGS = ("--print", "--output-format", "text")
# Headless gemini stops at its trusted-folder check unless told to skip it.
_GEMINI_FLAGS = ("--yolo", "--skip-trust")
_COPILOT_FLAGS = ("--allow-all-tools", "--no-color")


def _codex(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, "exec", *_CODEX_FLAGS, *extra, "--", prompt]


def _codex_stdin(exe: str, extra: Sequence[str]) -> list[str]:
    return [exe, "exec", *_CODEX_FLAGS, *extra, "-"]


def _claude(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, *_CLAUDE_FLAGS, *extra, "--", prompt]


def _claude_stdin(exe: str, extra: Sequence[str]) -> list[str]:
    return [exe, *_CLAUDE_FLAGS, *extra]


def _gemini(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    # `--prompt=` keeps a prompt that starts with "-" from being read as a flag.
    return [exe, *_GEMINI_FLAGS, *extra, f"--prompt={prompt}"]


def _gemini_stdin(exe: str, extra: Sequence[str]) -> list[str]:
    return [exe, *_GEMINI_FLAGS, *extra]


def _copilot(exe: str, prompt: str, extra: Sequence[str]) -> list[str]:
    return [exe, *_COPILOT_FLAGS, *extra, "-p", prompt]


def _copilot_stdin(exe: str, extra: Sequence[str]) -> list[str]:
    return [exe, *_COPILOT_FLAGS, *extra]


_CHECKED = "2026-11-25"
# What Node.js and undici, Rust's reqwest and Bun print when no connection can be made.
_NETWORK = (
    "eai_again",
    "enotfound",
    "econnrefused",
    "enetunreach",
    "fetch failed",
    "failed to lookup address",
    "failed to connect",
    "waiting for network",
    "error sending request",
    "can't reach the api server",
    "connection error",
)
_ACCOUNT = (
    "401",
    "403",
    "unauthorized",
    "invalid api key",
    "invalid x-api-key",
    "authentication",
    "not logged in",
    "please log in",
    "are not supported by copilot",
    "api key not valid",
)


PROFILES: dict[str, AgentProfile] = {
    profile.name: profile
    for profile in (
        AgentProfile("echo", "echo", "prints the prompt; a stand-in agent for trying out", _echo),
        AgentProfile(
            "codex",
            "codex",
            "OpenAI Codex CLI, `codex exec` non-interactive mode",
            _codex,
            _codex_stdin,
            secrets=(SecretNeed(("CODEX_API_KEY", "OPENAI_API_KEY"), required=True),),
            release=CliRelease("@openai/codex", "0.169.0", ">=16", _CHECKED),
            login_paths=(".codex",),
            failure_signs=FailureSigns(_NETWORK, _ACCOUNT),
        ),
        AgentProfile(
            "claude",
            "claude",
            "Anthropic Claude Code, `claude --print` headless mode",
            _claude,
            _claude_stdin,
            secrets=(SecretNeed(("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN")),),
            release=CliRelease("@anthropic-ai/claude-code", "2.1.332", ">=22.0.0", _CHECKED),
            login_paths=(".claude", ".claude.json"),
            failure_signs=FailureSigns(_NETWORK, _ACCOUNT),
            # Offline, claude prints nothing while it retries its API request 10 times
            # over three minutes; with no retry it says "Can't reach the API server"
            # after its settings fetches give up (about 20 s).
            offline_env={"CLAUDE_CODE_MAX_RETRIES": "0"},
        ),
        AgentProfile(
            "gemini",
            "gemini",
            "Google Gemini CLI, `gemini --prompt` headless mode",
            _gemini,
            _gemini_stdin,
            secrets=(SecretNeed(("GEMINI_API_KEY", "GOOGLE_API_KEY")),),
            release=CliRelease("@google/gemini-cli", "0.61.0", ">=20", _CHECKED),
            login_paths=(".gemini",),
            failure_signs=FailureSigns(_NETWORK, _ACCOUNT),
        ),
        AgentProfile(
            "copilot",
            "copilot",
            "GitHub Copilot CLI, `copilot -p` programmatic mode",
            _copilot,
            _copilot_stdin,
            secrets=(SecretNeed(("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN")),),
            release=CliRelease("@github/copilot", "1.0.102", "", _CHECKED),
            login_paths=(".copilot",),
            failure_signs=FailureSigns(_NETWORK, _ACCOUNT),
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
