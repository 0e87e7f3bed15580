"""What use cases share about the database: transactions, locks, ledger, idempotency, outages."""
