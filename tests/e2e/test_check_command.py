"""`backorders check` as an operator runs it: a real process on the working directory's SQLite file.

The data is made the way a user makes it (`backorders demo`, then a story over
HTTP against a real `backorders serve`), then corrupted behind the service's
back with sqlite3. The check must pass on the former and, on the latter, exit 1
with one line per drift naming the item or line.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import COMMAND, clean_env, serving

DATABASE = "backorders.sqlite3"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120
    )


def drift_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The drift lines of a failed check (its last line is the count)."""
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == f"{len(lines) - 1} invariant drift(s)", result.stdout
    return lines[:-1]


def the_line_with(lines: list[str], *words: str) -> str:
    """The one line that contains every word (as whole words)."""
    found = [line for line in lines if all(_has_word(line, word) for word in words)]
    assert len(found) == 1, (words, lines)
    return found[0]


def _has_word(line: str, word: str) -> bool:
    padded = f" {line.replace(':', ' ')} "
    return f" {word} " in padded


@dataclass(frozen=True)
class Story:
    """A working directory after `demo` and a story served over HTTP."""

    workdir: Path
    lines: dict[str, int]  # "<order> <item>" -> line id


STORY_ORDER = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
    order { number lines { id item { code } } } userErrors { code } } }"""


@pytest.fixture(scope="module")
def served_story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    """demo, then over HTTP against `backorders serve` (stopped before the tests):

    1001 (ACME): BC-STD 600, LH-A4 10; default pick (500 and 10), split, 1001-001 confirmed.
    1002 (GLOBEX): LH-A4 5, PEN-LOGO 20; 7 pens picked.
    Leaves BC-STD 0 on hand (100 reserved), LH-A4 30 (5), PEN-LOGO 1193 (13).
    """
    workdir = tmp_path_factory.mktemp("story")
    assert run(workdir, "demo").returncode == 0
    token = run(workdir, "token", "--sub", "olga", "--roles", "Administrator").stdout.strip()
    with serving(workdir, clean_env(), workdir / "serve.log") as (url, _):
        lines = _walk_story(url, token)
    return Story(workdir, lines)


def _walk_story(base: str, token: str) -> dict[str, int]:
    def gql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        assert payload.get("userErrors", []) == [], payload
        result: dict[str, Any] = payload
        return result

    lines: dict[str, int] = {}
    for customer, order_lines in (
        ("ACME", [("BC-STD", 600), ("LH-A4", 10)]),
        ("GLOBEX", [("LH-A4", 5), ("PEN-LOGO", 20)]),
    ):
        placed = gql(
            STORY_ORDER,
            {
                "i": {
                    "customerCode": customer,
                    "lines": [{"itemCode": c, "quantity": q} for c, q in order_lines],
                }
            },
        )
        number = placed["order"]["number"]
        for line in placed["order"]["lines"]:
            lines[f"{number} {line['item']['code']}"] = int(line["id"])
    gql(
        "mutation($i: PickOrderInput!) { pickOrder(input: $i) { userErrors { code } } }",
        {"i": {"orderNumber": "1001"}},
    )
    gql(
        "mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {"
        " backorder { number lines { id } } userErrors { code } } }",
        {"i": {"orderNumber": "1001"}},
    )
    gql(
        "mutation($i: ConfirmBackorderInput!) { confirmBackorder(input: $i) {"
        " order { number lines { id } } userErrors { code } } }",
        {"i": {"orderNumber": "1001-001"}},
    )
    gql(
        "mutation($i: PickOrderInput!) { pickOrder(input: $i) { userErrors { code } } }",
        {
            "i": {
                "orderNumber": "1002",
                "lines": [{"lineId": lines["1002 PEN-LOGO"], "quantity": 7}],
            }
        },
    )
    backorder = gql('query { salesOrder(number: "1001-001") { lines { id item { code } } } }', {})[
        "lines"
    ]
    lines["1001-001 BC-STD"] = int(backorder[0]["id"])
    return lines


@pytest.fixture
def story(served_story: Story, tmp_path: Path) -> Story:
    """A copy of the served story's working directory, this test's to corrupt."""
    for path in served_story.workdir.glob(f"{DATABASE}*"):
        shutil.copyfile(path, tmp_path / path.name)
    return Story(tmp_path, served_story.lines)


def corrupt(workdir: Path, *statements: str) -> None:
    connection = sqlite3.connect(workdir / DATABASE)
    try:
        with connection:
            for statement in statements:
                assert connection.execute(statement).rowcount == 1, statement
    finally:
        connection.close()


# ------------------------------------------------------------ it holds


def test_check_after_demo_exits_0_and_says_all_invariants_hold(tmp_path: Path) -> None:
    assert run(tmp_path, "demo").returncode == 0

    result = run(tmp_path, "check")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "All invariants hold."


def test_check_after_a_story_served_over_http_exits_0(story: Story) -> None:
    result = run(story.workdir, "check")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "All invariants hold."


# ------------------------------------------------------------ it names each drift


def test_check_exits_1_naming_each_stock_drift_on_its_own_line(story: Story) -> None:
    pen_line = story.lines["1002 PEN-LOGO"]
    corrupt(
        story.workdir,
        "UPDATE sales_item SET on_hand = on_hand + 3 WHERE code = 'PEN-LOGO'",
        "UPDATE sales_item SET reserved = reserved + 1 WHERE code = 'LH-A4'",
        f"UPDATE sales_order_line SET picked = 6 WHERE id = {pen_line}",  # 7 were picked
    )

    result = run(story.workdir, "check")

    assert result.returncode == 1, result.stdout + result.stderr
    lines = drift_lines(result)
    assert len(lines) == 4, lines
    assert sorted(lines) == sorted(
        [
            the_line_with(lines, "on", "hand", "PEN-LOGO", "1196", "1193"),
            the_line_with(lines, "reserved", "LH-A4", "6", "5"),
            # one unit fewer picked is one more outstanding than PEN-LOGO reserves
            the_line_with(lines, "reserved", "PEN-LOGO", "13", "14"),
            the_line_with(lines, "line", str(pen_line), "6", "7"),
        ]
    )


def test_check_names_a_family_that_no_longer_adds_up_and_a_pick_without_its_movement(
    story: Story,
) -> None:
    backorder_line = story.lines["1001-001 BC-STD"]
    letterhead_line = story.lines["1001 LH-A4"]
    corrupt(
        story.workdir,
        f"UPDATE sales_order_line SET quoted = 105 WHERE id = {backorder_line}",
        f"DELETE FROM stock_movement WHERE line_id = {letterhead_line}",
    )

    result = run(story.workdir, "check")

    assert result.returncode == 1, result.stdout + result.stderr
    lines = drift_lines(result)
    assert sorted(lines) == sorted(
        [
            the_line_with(lines, "family", "1001", "BC-STD", "600", "605"),
            the_line_with(lines, "reserved", "BC-STD", "100", "105"),
            the_line_with(lines, "on", "hand", "LH-A4", "30", "40"),
            the_line_with(lines, "line", str(letterhead_line), "10", "0"),
        ]
    )
    assert len(lines) == 4, lines


def test_check_repairs_nothing_so_a_second_run_reports_the_same(story: Story) -> None:
    corrupt(story.workdir, "UPDATE sales_item SET on_hand = on_hand + 3 WHERE code = 'PEN-LOGO'")

    first = run(story.workdir, "check")
    second = run(story.workdir, "check")

    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout
    with sqlite3.connect(story.workdir / DATABASE) as connection:
        (on_hand,) = connection.execute(
            "SELECT on_hand FROM sales_item WHERE code = 'PEN-LOGO'"
        ).fetchone()
    connection.close()
    assert on_hand == 1196
