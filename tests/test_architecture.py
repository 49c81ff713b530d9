"""The shape the code keeps: small modules and classes, the Docker SDK only behind the
engine boundary, and layers that point down."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "agents_runner"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250


def _modules(include_harness: bool = False):
    for path in sorted(PACKAGE.rglob("*.py")):
        if include_harness or "testing" not in path.relative_to(PACKAGE).parts:
            yield path


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_class_is_over_250_lines():
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                length = node.end_lineno - node.lineno + 1
                name = f"{path.relative_to(PACKAGE)}:{node.name}"
                if length > MAX_CLASS_LINES:
                    long[name] = length
    assert long == {}


def test_every_public_class_has_a_docstring():
    bare = [
        f"{path.relative_to(PACKAGE)}:{node.name}"
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and not node.name.startswith("_")
        and ast.get_docstring(node) is None
    ]
    assert bare == []


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_only_the_engine_package_imports_docker():
    """In the product, only the engine package imports the Docker SDK; in the suite
    (testing/, not in the wheel), only its own client, suite_docker.py, does."""
    outside = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if p.relative_to(PACKAGE).parts[0] != "engine"
        and p.relative_to(PACKAGE) != Path("testing", "suite_docker.py")
        and any(n == "docker" or n.startswith("docker.") for n in _imported(p))
    ]
    assert outside == []


def _imports_the_engine_module(path: Path) -> list[str]:
    """Imports of the product's engine package: `agents_runner.engine...`, or `..engine`
    from inside agents_runner/testing."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "").split(".")
            if node.level >= 2:  # from ..engine import X, inside agents_runner/testing
                modules = [".".join(["agents_runner", *base])]
            elif node.level == 1:
                modules = []
            else:
                modules = [node.module or ""]
        else:
            continue
        for module in modules:
            if module == "agents_runner.engine" or module.startswith("agents_runner.engine."):
                found.append(f"{path.name}:{node.lineno}: {module}")
    return found


def test_the_suite_never_imports_the_product_s_engine_module():
    """The suite's eyes and hands on the engine are its own (testing/suite_docker.py):
    steps, hooks and the harness never import agents_runner.engine, so mutating it cannot
    blind a check. A runner under test is built through the public API (agents_runner.Engine)."""
    root = PACKAGE.parent
    sources = [
        *sorted((root / "steps").glob("*.py")),
        root / "environment.py",
        *sorted((PACKAGE / "testing").rglob("*.py")),
    ]
    found = [line for path in sources for line in _imports_the_engine_module(path)]
    assert found == []


def test_the_engine_implements_the_whole_boundary():
    """Every call of the protocol a second backend implements is one Engine has."""
    from agents_runner.engine.boundary import EngineBoundary
    from agents_runner.engine.docker_engine import Engine

    wanted = {
        name
        for name in vars(EngineBoundary)
        if not name.startswith("_") and name not in ("register",)
    }
    assert wanted and {name for name in wanted if not hasattr(Engine, name)} == set()


# What the product's engine module reads about the engine, through its own records.
_PRODUCT_READS = ("image_present", "inspect", "events", "logs", "list_containers", "wait")


def test_the_oracle_reads_the_engine_without_the_product_s_engine_module():
    """Steps and the event oracle read containers, images and events through docker-py
    directly (engine.api), so a fault in the product's reading cannot blind a check."""
    steps = Path(__file__).resolve().parent.parent / "steps"
    sources = [*sorted(steps.glob("*.py")), PACKAGE / "testing" / "events.py"]
    found = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in _PRODUCT_READS
                and isinstance(node.value, ast.Attribute | ast.Name)
                and (getattr(node.value, "attr", None) or getattr(node.value, "id", "")) == "engine"
            ):
                found.append(f"{path.name}:{node.lineno}: engine.{node.attr}")
    assert found == []
