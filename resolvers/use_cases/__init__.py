"""One module per mutation: load, call the rules, write; one transaction, one lock order."""
