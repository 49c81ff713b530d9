"""Prepare a cosmic-ray session: drop mutants that are not real, then keep a seeded sample.

Mutants are drawn in a seeded random order until --count real ones are found. A drawn mutant
is not real, and is marked skipped with its reason, when:
- cosmic-ray cannot apply it (its exception replacer fails on `except (A, B)`);
- those whose source does not compile (cosmic-ray's parser reads the `*` of keyword-only
  parameters as a multiplication and swaps it);
- those that change only annotations, which every module leaves unevaluated
  (`from __future__ import annotations`), so no test could ever tell them apart.

Everything not drawn is marked skipped as "not in the sample".

Usage: python mutation/sample.py SESSION.sqlite --count N --seed S
"""

import argparse
import ast
from functools import cache
from pathlib import Path

from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkItem, WorkResult
from draw import draw_order


class _WithoutAnnotations(ast.NodeTransformer):
    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AnnAssign:
        node.annotation = ast.Constant(None)
        self.generic_visit(node)
        return node


def _shape(tree: ast.AST) -> str:
    return ast.dump(_WithoutAnnotations().visit(tree))


@cache
def _source(path: str) -> str:
    return Path(path).read_text()


def reason_to_skip(item: WorkItem) -> str | None:
    """Why this mutant is not a real one, or None when it is."""
    (mutation,) = item.mutations
    original = _source(str(mutation.module_path))
    operator = get_operator(mutation.operator_name)(**(mutation.operator_args or {}))
    try:
        mutated = mutate_code(original, operator, mutation.occurrence)
    except Exception:
        return "cosmic-ray cannot apply it"
    if mutated is None:
        return "no mutation at this occurrence"
    try:
        tree = ast.parse(mutated)
        compile(tree, str(mutation.module_path), "exec")
    except SyntaxError:
        return "does not compile"
    if _shape(tree) == _shape(ast.parse(original)):
        return "changes only an annotation, which is never evaluated"
    return None


def prepare(db: WorkDB, count: int, seed: int) -> dict[str, int]:
    order = draw_order(list(db.pending_work_items), seed)
    tally: dict[str, int] = {"mutants in the session": len(order)}
    sampled = 0
    drawn = 0
    for item in order:
        if sampled == count:
            break
        drawn += 1
        reason = reason_to_skip(item)
        if reason is None:
            sampled += 1
            continue
        tally[reason] = tally.get(reason, 0) + 1
        db.set_result(item.job_id, WorkResult(output=reason, worker_outcome=WorkerOutcome.SKIPPED))
    left_out = [item.job_id for item in order[drawn:]]
    if left_out:
        db.set_multiple_results(
            left_out,
            WorkResult(output="not in the sample", worker_outcome=WorkerOutcome.SKIPPED),
        )
    tally["drawn"] = drawn
    tally["sampled"] = sampled
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("session")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    with use_db(args.session, WorkDB.Mode.open) as db:
        tally = prepare(db, args.count, args.seed)
    for reason, number in tally.items():
        print(f"sample: {reason}: {number}")


if __name__ == "__main__":
    main()
