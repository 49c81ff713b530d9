"""The acceptance suite in parallel: behave processes (workers) over shares of the
scenarios, then the @serial scenarios alone, then one report of the whole run.

    uv run python -m agents_runner.testing.parallel [--workers N] [--tags EXPR] [PATH...]
"""
