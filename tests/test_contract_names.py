"""The suite's copy of the names the contract promises is the contract's."""

from pathlib import Path

from agents_runner.testing.contract_names import (
    CONTAINER_PREFIX,
    LABEL_STORE,
    LABEL_TASK_ID,
    split_reference,
)

CONTRACT = (Path(__file__).resolve().parent.parent / "docs" / "CONTRACT.md").read_text()


def test_the_labels_and_the_container_name_are_the_contract_s():
    assert f"`{LABEL_TASK_ID}=<task id>`" in CONTRACT
    assert f"`{LABEL_STORE}=<store id>`" in CONTRACT
    assert f"`{CONTAINER_PREFIX}<task id>`" in CONTRACT


def test_a_reference_splits_at_its_tag_and_not_at_a_registry_port():
    assert split_reference("localhost:5000/agents-runner/busybox:1.36") == (
        "localhost:5000/agents-runner/busybox",
        "1.36",
    )
    assert split_reference("localhost:5000/busybox") == ("localhost:5000/busybox", "latest")
    assert split_reference("busybox") == ("busybox", "latest")
    assert split_reference("busybox@sha256:abc") == ("busybox@sha256:abc", None)
