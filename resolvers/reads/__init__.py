"""Read paths: lookups, pages, data-loader batches, stock shares, the invariant check."""
