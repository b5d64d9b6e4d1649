"""A FastAPI document service whose POST names what it created only through an OpenAPI
link (no Location, and the item path is not under the collection), with or without
two planted stateful faults: a PUT that ignores If-Match (a stale write gets 200),
and a DELETE that answers 204 and deletes nothing."""

from __future__ import annotations

import hashlib
import itertools
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field


class DocIn(BaseModel):
    text: str = Field(max_length=100)


class Doc(DocIn):
    id: int


# FastAPI answers 400 for a body that is not UTF-8 JSON, and declares only 422.
NOT_JSON = {400: {"description": "the body is not JSON in UTF-8"}}
LINK = {201: {"links": {"GetDoc": {"operationId": "get_doc",
                                   "parameters": {"doc_id": "$response.body#/id"}}}},
        **NOT_JSON}
ITEM = {404: {"description": "no such document"},
        412: {"description": "If-Match names another tag"}, **NOT_JSON}


def _etag(doc: Doc) -> str:
    return '"' + hashlib.sha256(doc.model_dump_json().encode()).hexdigest()[:12] + '"'


def create_app(*, faults: bool) -> FastAPI:
    app = FastAPI(title="documents")
    docs: dict[int, Doc] = {}
    ids = itertools.count(1)

    @app.post("/docs", status_code=201, responses=LINK, operation_id="create_doc")
    def create_doc(doc: DocIn) -> Doc:
        made = Doc(id=next(ids), text=doc.text)
        docs[made.id] = made
        return made

    def found(doc_id: int) -> Doc:
        if doc_id not in docs:
            raise HTTPException(404, "no such document")
        return docs[doc_id]

    @app.get("/documents/{doc_id}", responses=ITEM, operation_id="get_doc")
    def get_doc(doc_id: int, response: Response) -> Doc:
        doc = found(doc_id)
        response.headers["ETag"] = _etag(doc)
        return doc

    @app.put("/documents/{doc_id}", responses=ITEM, operation_id="put_doc")
    def put_doc(doc_id: int, doc: DocIn, response: Response,
                if_match: Annotated[str | None, Header()] = None) -> Doc:
        current = found(doc_id)
        # RFC 9110 §13.1.1; planted: the faulty app never compares
        if not faults and if_match is not None and if_match.strip() != "*" \
                and _etag(current) not in [t.strip() for t in if_match.split(",")]:
            raise HTTPException(412, "the document changed")
        docs[doc_id] = Doc(id=doc_id, text=doc.text)
        response.headers["ETag"] = _etag(docs[doc_id])
        return docs[doc_id]

    @app.delete("/documents/{doc_id}", status_code=204, responses=ITEM,
                operation_id="delete_doc")
    def delete_doc(doc_id: int) -> None:
        found(doc_id)
        if not faults:  # planted: the faulty app answers 204 and keeps it
            del docs[doc_id]

    @app.get("/count", operation_id="count")
    def count() -> dict[str, int]:
        return {"documents": len(docs)}

    app.state.docs = docs
    return app
