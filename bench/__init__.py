"""The benchmark of the backorders service: `python bench/run.py` (see bench/README.md).

A package so that its modules import each other as `bench.<module>` and so
that uvicorn's worker processes can import the floor app as
`bench.floor:create_app`.
"""
