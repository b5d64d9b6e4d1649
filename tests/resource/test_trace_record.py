"""In debug mode each request's decisions are recorded (node id, question, the
answers given, where each led, the time it took) and the last few are served at
the debug path; out of debug mode nothing is recorded and the path is a path."""

from __future__ import annotations

from typing import Any

import pytest
from asgi import call

from statuskit.resource import App, Halt, Resource
from statuskit.resource._diagram import NODES


class Doc(Resource):
    provides = ("text/plain",)

    def etag(self) -> str:
        return "v1"

    async def forbidden(self) -> bool:
        return False

    def representation(self, media_type: str) -> Any:
        return "the text"


class Teapot(Resource):
    def exists(self) -> bool:
        raise Halt(418, content="short and stout")


def _app(**options: Any) -> App:
    return App({"/doc": Doc, "/pot": Teapot}, debug=True, **options)


def _record(app: App, trace_id: str) -> Any:
    reply = call(app, "GET", f"/_statuskit/traces/{trace_id}")
    assert reply.status == 200
    assert reply.header("content-type") == "application/json"
    assert reply.header("cache-control") == "no-store"
    return reply.json()


def test_a_debug_request_is_recorded_node_by_node_as_its_header_names_them() -> None:
    app = _app()
    reply = call(app, "GET", "/doc")
    record = _record(app, reply.header("x-statuskit-trace-id"))
    nodes = reply.header("x-statuskit-trace").split(",")
    assert [step["node"] for step in record["steps"]] == nodes
    assert record["method"] == "GET" and record["target"] == "/doc"
    assert record["status"] == 200
    for step, following in zip(record["steps"], [*nodes[1:], 200], strict=True):
        assert step["question"] == NODES[step["node"]].question
        assert step["next"] == following
        assert isinstance(step["ns"], int) and step["ns"] >= 0


def test_the_record_holds_the_resources_own_answers_where_they_were_given() -> None:
    app = _app()
    reply = call(app, "GET", "/doc")
    steps = {s["node"]: s for s in _record(app, reply.header("x-statuskit-trace-id"))["steps"]}
    assert steps["b7"]["answers"] == [["forbidden", "False"]]  # async question
    assert steps["g7"]["answers"] == [["etag", "'v1'"]]
    assert steps["o18"]["answers"] == [["representation", "'the text'"]]
    assert steps["b13"]["answers"] == []  # a default is not asked, so not recorded


def test_a_halt_is_recorded_at_the_node_that_raised_it() -> None:
    app = _app()
    reply = call(app, "GET", "/pot")
    assert reply.status == 418
    record = _record(app, reply.header("x-statuskit-trace-id"))
    last = record["steps"][-1]
    assert last["node"] == "g7"
    assert last["next"] == 418
    assert last["answers"] == [["exists", "raised Halt(418)"]]
    assert record["response"]["body"] == "short and stout"


def test_the_record_hides_credentials() -> None:
    app = _app()
    reply = call(app, "GET", "/doc", {"authorization": "Bearer s3cret", "cookie": "sid=s3cret"})
    record = _record(app, reply.header("x-statuskit-trace-id"))
    fields = dict(record["request"]["headers"])
    assert fields == {"authorization": "(hidden)", "cookie": "(hidden)"}
    assert "s3cret" not in str(record)


def test_the_index_lists_the_last_n_newest_first() -> None:
    app = _app(trace_limit=3)
    ids = [call(app, "GET", "/doc").header("x-statuskit-trace-id") for _ in range(5)]
    index = call(app, "GET", "/_statuskit/traces").json()
    assert [str(entry["id"]) for entry in index] == ids[:1:-1]
    assert call(app, "GET", f"/_statuskit/traces/{ids[0]}").status == 404  # dropped
    assert index[0]["nodes"][0] == "b13" and index[0]["status"] == 200


def test_the_record_path_names_the_mount() -> None:
    app = _app()
    reply = call(app, "GET", "/doc", root_path="/api")
    trace_id = reply.header("x-statuskit-trace-id")
    assert reply.header("x-statuskit-trace-record") == f"/api/_statuskit/traces/{trace_id}"
    assert call(app, "GET", f"/_statuskit/traces/{trace_id}", root_path="/api").status == 200


def test_the_trace_page_is_served_as_html() -> None:
    app = _app()
    trace_id = call(app, "GET", "/doc").header("x-statuskit-trace-id")
    page = call(app, "GET", f"/_statuskit/traces/{trace_id}.html")
    assert page.status == 200
    assert page.header("content-type") == "text/html; charset=utf-8"
    assert b'<svg id="diagram"' in page.body
    assert b'<li data-node="o18">' in page.body


@pytest.mark.parametrize("rest", ["/0", "/abc", "/-1", "/" + "9" * 4000, "/1.htm", "/1/2",
                                  "/\u0661"])
def test_an_unknown_trace_is_404_problem(rest: str) -> None:
    app = _app()
    call(app, "GET", "/doc")
    reply = call(app, "GET", "/_statuskit/traces" + rest)
    assert reply.status == 404
    assert reply.header("content-type") == "application/problem+json"


def test_the_debug_path_takes_only_get_and_head() -> None:
    reply = call(_app(), "DELETE", "/_statuskit/traces")
    assert reply.status == 405
    assert reply.header("allow") == "GET, HEAD"
    head = call(_app(), "HEAD", "/_statuskit/traces")
    assert head.status == 200 and head.body == b""


def test_the_debug_path_is_not_itself_recorded() -> None:
    app = _app()
    call(app, "GET", "/_statuskit/traces")
    assert call(app, "GET", "/_statuskit/traces").json() == []


def test_out_of_debug_nothing_is_recorded_or_served() -> None:
    app = App({"/doc": Doc})
    reply = call(app, "GET", "/doc")
    assert reply.header("x-statuskit-trace") is None
    assert reply.header("x-statuskit-trace-id") is None
    assert app.traces is None
    served = call(app, "GET", "/_statuskit/traces")
    assert served.status == 404  # no route there: the path is like any other


def test_instrumenting_leaves_the_class_alone() -> None:
    app = _app()
    call(app, "GET", "/doc")
    # The wrappers live on the request's instance; the class's own methods stay.
    assert Doc.__dict__["etag"].__name__ == "etag"
    assert "etag" not in vars(Doc(None))  # type: ignore[arg-type]


def test_a_huge_answer_is_recorded_short() -> None:
    class Huge(Resource):
        provides = ("text/plain",)

        def representation(self, media_type: str) -> Any:
            return "x" * 5_000_000

    app = App({"/h": Huge}, debug=True)
    reply = call(app, "GET", "/h")
    assert len(reply.body) == 5_000_000
    record = _record(app, reply.header("x-statuskit-trace-id"))
    (name, shown), = record["steps"][-1]["answers"]
    assert name == "representation"
    assert len(shown) <= 200 and shown.startswith("'xxx")
    assert len(record["response"]["body"]) == 4096 and record["response"]["truncated"]
