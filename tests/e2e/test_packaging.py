"""The distribution installs one top-level name, `backorders`, with the layout's folders under it.

`models/`, `resolvers/` and `schema/` stay at the top of the repository (the
layout names them); installed, they are `backorders.models`,
`backorders.resolvers` and `backorders.schema`, so nothing called `schema`
lands in site-packages beside the PyPI library of that name.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_adds_only_the_backorders_package(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("backorders-*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    top_level = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top_level == {"backorders"}
    for expected in (
        "backorders/models/migrations/0001_initial.py",
        "backorders/resolvers/rules/picking.py",
        "backorders/resolvers/use_cases/place_order.py",
        "backorders/schema/build.py",
        "backorders/app.py",
    ):
        assert expected in names
    assert not any(name.startswith(("models/", "schema/", "resolvers/")) for name in names)
