"""Use cases behind the GraphQL fields: each loads, applies the rules, writes in one transaction.

`rules`, `access` and `errors` are pure (no database, no GraphQL); the other
modules own their transactions and their lock order (see docs/concurrency.md).
"""
