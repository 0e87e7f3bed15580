"""The behaviour behind the GraphQL fields, grouped by what each part may touch.

- `rules/`: pure (no database, no GraphQL): the arithmetic and state rules, access policy.
- `use_cases/`: one module per mutation; each owns its transaction and lock order.
- `reads/`: read paths and the batches behind the data loaders.
- `persistence/`: transactions and locks, the ledger, idempotency, database outages.
"""
