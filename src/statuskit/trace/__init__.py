"""``statuskit trace URL --html FILE``: one request, its decisions drawn as a page."""
