import csv
import io
import json

import pytest
import responses
from django.test import Client

from tests.api import mock_all


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_exports_hold_every_handler_once_and_no_secret(
    api: responses.RequestsMock, viewer_client: Client, file_format: str
) -> None:
    mock_all(api, 1200)
    # An export follows the table's order, here oldest first.
    response = viewer_client.get(f"/handlers/export.{file_format}?order_by=notification_handler_id&order_type=ASC")
    assert len(api.calls) == 2
    body = response.content.decode()
    assert "SECRET" not in body
    assert (
        response["Content-Disposition"].startswith('attachment; filename="handlers-')
        and f".{file_format}" in response["Content-Disposition"]
    )
    if file_format == "csv":
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows[0]["name"] == "'=cmd1"  # a formula is kept as text
        assert rows[0]["slack"] == "••••1xyz" and rows[1]["last_activity_utc"] == ""
    else:
        rows = json.loads(body)["handlers"]
        assert rows[0]["settings"] == {"slack": "••••1xyz"} and rows[1]["last_activity_utc"] == ""
    assert sorted(int(r["id"]) for r in rows) == list(range(1, 1201))


def test_a_filtered_export_follows_the_tables_filters(api: responses.RequestsMock, viewer_client: Client) -> None:
    mock_all(api, 3)
    response = viewer_client.get("/handlers/export.csv?type=slack&search=handler&page=4&results_per_page=10")
    assert response.status_code == 200 and "handlers-filtered-" in response["Content-Disposition"]
    names = [row["name"] for row in csv.DictReader(io.StringIO(response.content.decode()))]
    assert names == ["Handler 3", "Handler 2"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\x00=cmd", "\x01\x02+1"])
def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text(cell: str) -> None:
    from handlers_admin.exports import _cell

    assert _cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ops", "a=b", "", "1-2"])
def test_other_cells_are_left_alone(cell: str) -> None:
    from handlers_admin.exports import _cell

    assert _cell(cell) == cell
