"""Prepared documents are remembered per text within a bound of characters; refused ones not."""

from __future__ import annotations

from backorders.schema.build import spa_schema
from backorders.schema.execution import Executor
from backorders.schema.limits import QueryLimits

LIMITS = QueryLimits(max_depth=12, max_aliases=30, max_fields=1000)


def test_a_valid_document_is_prepared_once_and_then_remembered() -> None:
    executor = Executor(spa_schema(), LIMITS, max_tokens=5000)
    first = executor.prepare("{ salesItems { edges { node { code } } } }")
    assert first.errors == []
    assert executor.prepare("{ salesItems { edges { node { code } } } }") is first


def test_a_refused_document_is_not_kept() -> None:
    executor = Executor(spa_schema(), LIMITS, max_tokens=5000)
    refused = "{ " + " ".join(f"a{n}: __typename" for n in range(40)) + " }"
    first = executor.prepare(refused)
    assert first.errors
    assert executor.prepare(refused) is not first


def test_the_memory_holds_at_most_its_characters_dropping_the_oldest() -> None:
    executor = Executor(spa_schema(), LIMITS, max_tokens=5000, cached_chars=200)
    texts = [f"query Q{n} {{ salesItems {{ edges {{ cursor }} }} }}" for n in range(10)]
    prepared = [executor.prepare(text) for text in texts]

    assert sum(len(t) for t in texts) > 200
    assert executor.prepare(texts[-1]) is prepared[-1]  # the newest stays
    assert executor.prepare(texts[0]) is not prepared[0]  # the oldest went
