"""Pages travel compressed: a 1,000-row table is a fraction of its size on the wire."""

import gzip

from django.test import Client

from tests.api import handler_json


def test_a_thousand_row_page_is_at_most_a_seventh_of_its_size_on_the_wire(mirrored, editor_client: Client) -> None:
    mirrored(
        *(handler_json(id=i, name=f"Night shift {i}", type="slack", settings={"slack": "x"}) for i in range(1, 1001))
    )
    plain = editor_client.get("/handlers/?results_per_page=1000")
    packed = editor_client.get("/handlers/?results_per_page=1000", headers={"Accept-Encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert plain.content.count(b"<tr>") == 1001 and "Content-Encoding" not in plain
    assert len(packed.content) <= 0.15 * len(plain.content)
    assert gzip.decompress(packed.content).count(b"<tr>") == 1001
