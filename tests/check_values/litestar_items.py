"""A Litestar item service, with or without four planted value faults.

The clean app's own document (``clean_document()``) is the contract for both: the
faulty app serves the same routes with the checks taken out, as a team's handler
drifts from the document it publishes.

With ``faults=True``:

- ``GET /items/{item_id}``: a 500 for an id past 1,000,000;
- ``POST /items``: the body is read by hand, ``quantity`` (declared 0..99) never checked;
- ``POST /items``: that hand-read body is decoded as UTF-8, so Latin-1 bytes get a 500;
- ``GET /report``: past 30 days its ``total`` is a string, which its schema forbids.
"""

from __future__ import annotations

import itertools
import json
from typing import Annotated, Any

import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    quantity: Annotated[int, msgspec.Meta(ge=0, le=99)] = 1


class Item(msgspec.Struct):
    id: int
    name: str
    quantity: int


class Report(msgspec.Struct):
    days: int
    total: int


def create_app(*, faults: bool) -> Litestar:
    items: dict[int, Item] = {1: Item(1, "first", 2)}
    ids = itertools.count(2)

    @get("/items")
    async def list_items() -> list[Item]:
        return list(items.values())

    @get("/items/{item_id:int}", raises=[NotFoundException])
    async def get_item(item_id: int) -> Item:
        if faults and item_id > 1_000_000:
            raise RuntimeError("planted: no id past a million")
        if item_id not in items:
            raise NotFoundException("no such item")
        return items[item_id]

    @post("/items")
    async def create_item(data: ItemIn) -> Response[Item]:
        item = Item(next(ids), data.name, data.quantity)
        items[item.id] = item
        return Response(item, status_code=201, headers={"Location": f"/items/{item.id}"})

    @post("/items")
    async def create_item_unchecked(request: Request[Any, Any, Any]) -> Response[Item]:
        data = json.loads((await request.body()).decode())  # planted: UTF-8 by hand
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) \
                or not 1 <= len(data["name"]) <= 40:
            return Response({"status_code": 400, "detail": "name"},  # type: ignore[arg-type]
                            status_code=400)
        quantity = data.get("quantity", 1)  # planted: never checked against 0..99
        item = Item(next(ids), data["name"], quantity if isinstance(quantity, int) else 1)
        items[item.id] = item
        return Response(item, status_code=201, headers={"Location": f"/items/{item.id}"})

    @get("/report")
    async def report(days: Annotated[int, Parameter(ge=1, le=60)] = 7) -> Report:
        return Report(days, sum(i.quantity for i in items.values()))

    @get("/report")
    async def report_unchecked(days: Annotated[int, Parameter(ge=1, le=60)] = 7,
                               ) -> dict[str, Any]:
        total = sum(i.quantity for i in items.values())
        # planted: past 30 days the total goes out as text; the document says integer
        return {"days": days, "total": str(total) if days > 30 else total}

    handlers: list[Any] = [list_items, get_item]
    handlers += [create_item_unchecked, report_unchecked] if faults else [create_item, report]
    return Litestar(handlers, debug=False)


def clean_document() -> dict[str, Any]:
    """The clean app's OpenAPI document: the contract both apps are checked against."""
    document: dict[str, Any] = create_app(faults=False).openapi_schema.to_schema()
    return json.loads(json.dumps(document))
