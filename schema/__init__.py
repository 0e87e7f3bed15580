"""Thin Strawberry types and the two schemas (integration and SPA) over the resolvers."""
