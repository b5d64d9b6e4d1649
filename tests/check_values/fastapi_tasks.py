"""A FastAPI task service, with or without four planted value faults.

With ``faults=True``:

- ``GET /search``: a 500 for a page past 1000 (a fault that appears only past a value);
- ``POST /tasks``: ``priority`` is declared 1..5 but never checked, so 6 gets a 201;
- ``POST /tasks``: the body is decoded as UTF-8 by hand, so Latin-1 bytes get a 500;
- ``GET /stats``: past a window of 7 days the mean is null, which its schema forbids.

Without, the same document, every value validated and every answer declared.
"""

from __future__ import annotations

import itertools
import json
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

TASK_IN: dict[str, Any] = {
    "type": "object",
    "required": ["title"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 100},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "done": {"type": "boolean"},
    },
}


class TaskIn(BaseModel, extra="forbid", strict=True):
    title: str = Field(min_length=1, max_length=100)
    priority: int = Field(3, ge=1, le=5)
    done: bool = False


class Task(BaseModel):
    id: int
    title: str
    priority: int
    done: bool


class Stats(BaseModel):
    window: int
    mean: float


class Hit(BaseModel):
    id: int
    title: str


NOT_FOUND = {404: {"description": "no task with this id"}}
REFUSED = {400: {"description": "the body is not JSON in UTF-8"},
           422: {"description": "the body breaks its schema"}}


def create_app(*, faults: bool) -> FastAPI:
    app = FastAPI(title="tasks with planted faults" if faults else "tasks", version="1")
    # Task 0 is there before any run: the id every generator tries first.
    tasks: dict[int, Task] = {0: Task(id=0, title="zeroth", priority=1, done=True),
                              1: Task(id=1, title="first", priority=3, done=False)}
    ids = itertools.count(2)

    @app.get("/tasks")
    def list_tasks() -> list[Task]:
        return list(tasks.values())

    @app.post("/tasks", status_code=201, responses=REFUSED, openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {"schema": TASK_IN}}}})
    async def create_task(request: Request) -> Response:
        raw = await request.body()
        if faults:
            data = json.loads(raw.decode())  # planted: a UnicodeDecodeError is a 500
            if not isinstance(data, dict) or not isinstance(data.get("title"), str) \
                    or not 1 <= len(data["title"]) <= 100:
                return JSONResponse({"detail": "title"}, 422)
            # planted: priority is never checked against its 1..5
            priority = data.get("priority", 3)
            task = Task(id=next(ids), title=data["title"],
                        priority=priority if isinstance(priority, int) else 3,
                        done=bool(data.get("done", False)))
        else:
            try:
                text = raw.decode("utf-8")
                data = json.loads(text)
            except ValueError:
                return JSONResponse({"detail": "not JSON in UTF-8"}, 400)
            try:
                valid = TaskIn.model_validate(data)
            except ValidationError as exc:
                return JSONResponse({"detail": exc.errors(include_url=False,
                                                          include_context=False)}, 422)
            task = Task(id=next(ids), **valid.model_dump())
        tasks[task.id] = task
        return JSONResponse(task.model_dump(), 201, headers={"Location": f"/tasks/{task.id}"})

    @app.get("/tasks/{task_id}", responses=NOT_FOUND)
    def get_task(task_id: int) -> Task:
        if task_id not in tasks:
            raise HTTPException(404, "no such task")
        return tasks[task_id]

    @app.delete("/tasks/{task_id}", status_code=204, responses=NOT_FOUND)
    def delete_task(task_id: int) -> None:
        if tasks.pop(task_id, None) is None:
            raise HTTPException(404, "no such task")

    @app.get("/search")
    def search(q: Annotated[str, Query(max_length=50)] = "",
               page: Annotated[int, Query(ge=1)] = 1) -> list[Hit]:
        if faults and page > 1000:
            raise RuntimeError("planted: no page past 1000")
        found = [Hit(id=t.id, title=t.title) for t in tasks.values() if q in t.title]
        return found[(page - 1) * 10:page * 10]

    @app.get("/stats", responses={200: {"model": Stats}})
    def stats(window: Annotated[int, Query(ge=1, le=30)] = 7) -> JSONResponse:
        mean = sum(t.priority for t in tasks.values()) / max(1, len(tasks))
        if faults and window > 7:
            # planted: the document says a number; this says null, unchecked
            return JSONResponse({"window": window, "mean": None})
        return JSONResponse({"window": window, "mean": mean})

    return app
