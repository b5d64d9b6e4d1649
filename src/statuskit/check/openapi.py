"""``statuskit check URL --openapi``: probes for every operation a document describes.

The document comes from a file, a URL, or what the server publishes: first
``/openapi.json``, then the statuskit plan at ``GET /`` (which the ordinary run
already follows). Each path and operation becomes probes
(``statuskit.check._openapi_probes``); they run concurrently under one request
budget, reads by default and writes only with ``allow_writes``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx2

from statuskit.check._openapi_document import (
    DocumentError,
    Operation,
    operations_from_document,
    server_url,
)
from statuskit.check._openapi_exchange import BudgetSpent, Exchanger, RequestBudget
from statuskit.check._openapi_probes import (
    Planned,
    RunContext,
    behind_credentials,
    clean_up,
    conformance_verdicts,
    plan_probes,
    skipped_for,
)
from statuskit.check._values_phase import DEFAULT_EXAMPLES, new_seed, run_values
from statuskit.check.bounded import request_bounded
from statuskit.check.plan import Plan, PlanError, plan_from_document
from statuskit.check.rules import NO_ANSWER
from statuskit.check.target import Target, parse_target
from statuskit.check.verdict import Verdict, failed
from statuskit.defaults import CHECK_MAX_BODY

__all__ = [
    "DEFAULT_MAX_REQUESTS",
    "OpenAPIError",
    "OpenAPIOptions",
    "OpenAPIRun",
    "Source",
    "check_openapi",
    "find_source",
    "run_operations",
]

DEFAULT_MAX_REQUESTS = 2000
_CONCURRENCY = 8

Progress = Callable[[Verdict], None]


class OpenAPIError(Exception):
    """No document to plan from, or one this checker cannot read."""


@dataclass
class OpenAPIOptions:
    allow_writes: bool = False  # send POST/PUT/PATCH/DELETE to documented operations
    max_requests: int = DEFAULT_MAX_REQUESTS  # the whole run's request budget
    timeout: float = 5.0  # per exchange
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. credentials
    only: Collection[int | str] | None = None  # only probes of these codes or check names
    cacert: str | None = None  # CA certificates (PEM) for an https server
    insecure: bool = False  # https without verifying the certificate
    values: bool = True  # the value phase (statuskit.check._values_phase)
    seed: int | None = None  # the value phase's seed (None: a new one, reported)
    examples: int = DEFAULT_EXAMPLES  # random valid cases per operation


@dataclass
class Source:
    """Where the probes come from: an OpenAPI document, or a statuskit plan."""

    where: str
    document: dict[str, Any] | None = None
    plan: Plan | None = None


@dataclass
class OpenAPIRun:
    verdicts: list[Verdict]
    source: str
    notes: list[str]
    requests: int


def _parse(text: bytes, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        yaml: Any = importlib.import_module("yaml")  # optional: YAML documents only
    except ImportError:
        raise OpenAPIError(f"{where}: not JSON (install PyYAML to read YAML)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise OpenAPIError(f"{where}: neither JSON nor YAML ({exc})") from None


def _is_document(value: Any) -> bool:
    return isinstance(value, dict) and "openapi" in value and "paths" in value


async def _fetch(client: httpx2.AsyncClient, url: str) -> Any:
    try:
        response, content, cut = await request_bounded(
            client, "GET", url, headers={"Accept": "application/json"})
    except httpx2.HTTPError as exc:
        raise OpenAPIError(f"{url}: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        raise OpenAPIError(f"{url} answered {response.status_code}")
    if cut:
        raise OpenAPIError(f"{url}: the document goes on past {CHECK_MAX_BODY} bytes, the "
                           "most check reads of one answer; save it and give the file")
    return _parse(content, url)


async def find_source(client: httpx2.AsyncClient, url: str, given: str | None) -> Source:
    """The document named by ``given`` (a file or URL), or else the one the server
    publishes at ``/openapi.json``, or else its statuskit plan at ``GET /``."""
    if given:
        if given.startswith(("http://", "https://")):
            document = await _fetch(client, given)
        else:
            try:
                document = _parse(Path(given).read_bytes(), given)
            except OSError as exc:
                raise OpenAPIError(f"{given}: {exc.strerror or exc}") from None
        if not _is_document(document):
            raise OpenAPIError(f"{given}: not an OpenAPI document (no openapi and paths)")
        return Source(given, document)
    query = urlsplit(url).query
    candidates = dict.fromkeys(urljoin(url, path) + (f"?{query}" if query else "")
                               for path in ("openapi.json", "/openapi.json"))
    for candidate in candidates:
        try:
            document = await _fetch(client, candidate)
        except OpenAPIError:
            continue
        if _is_document(document):
            return Source(candidate, document)
    try:
        root = await _fetch(client, url)
    except OpenAPIError:
        root = None
    if isinstance(root, dict) and "statuskit_plan" in root:
        try:
            return Source(f"the statuskit plan at GET {url}",
                          plan=plan_from_document(root["statuskit_plan"]))
        except PlanError as exc:
            raise OpenAPIError(f"the statuskit plan at GET {url}: {exc}") from None
    tried = ", ".join(candidates)
    raise OpenAPIError(f"no OpenAPI document at {tried} and no statuskit plan at GET {url}; "
                       "name one: --openapi FILE_OR_URL")


def api_base(url: str, document: Mapping[str, Any], read_from: str | None = None) -> str:
    """Where the document's paths hang off: its first server's URL, resolved against
    where the document was read (OpenAPI 3.1 §4.8.5: a relative server URL is relative
    to the document), on the origin of the URL checked. A document that names no
    server has ``/`` (§4.8.1), whatever path the URL checked has."""
    origin = urlsplit(url)
    server = urlsplit(urljoin(read_from or url, server_url(document)))
    return f"{origin.scheme}://{origin.netloc}{server.path.rstrip('/')}/"


def where_paths_go(url: str, document: Mapping[str, Any], read_from: str | None) -> str:
    """One line for the output: where operation paths go, and why there."""
    base = api_base(url, document, read_from)
    servers = document.get("servers")
    why = ("the document's first server says so" if isinstance(servers, list) and servers else
           "the document names no servers, so its server is / (OpenAPI 3.1 §4.8.1)")
    query = urlsplit(url).query
    carried = f"; every probe carries the URL's query ?{query}" if query else ""
    return f"operation paths go under {base}: {why}{carried}"


async def _run_one(ctx: RunContext, planned: Planned) -> list[Verdict]:
    try:
        return await planned.run(ctx)
    except BudgetSpent as exc:
        return skipped_for(planned, str(exc))
    except httpx2.HTTPError as exc:
        # No answer at all: the transport's error is the finding, at the probe's level.
        reason = f"{type(exc).__name__}: {exc}".strip(": ")
        return [failed(code, NO_ANSWER, "no answer", detail=reason, operation=planned.operation)
                for code in planned.codes]


async def run_operations(client: httpx2.AsyncClient, url: str, document: Mapping[str, Any],
                         options: OpenAPIOptions, *, wire: bool, source: str = "",
                         progress: Progress | None = None,
                         target: Target | None = None) -> OpenAPIRun:
    """Plan and run every operation's probes through ``client``; ``target`` is where
    bare-socket probes connect (None: in process, where there is no socket). ``source``
    is where the document was read; when it is a URL, relative servers resolve
    against it."""
    options, skipped_values = _values_ready(options)
    try:
        operations = operations_from_document(document)
    except DocumentError as exc:
        raise OpenAPIError(f"{source or 'the document'}: {exc}") from None
    if wire and target is None:
        target = parse_target(url, cacert=options.cacert, insecure=options.insecure)
    read_from = source if source.startswith(("http://", "https://")) else None
    exchanger = Exchanger(client, api_base(url, document, read_from),
                          RequestBudget(options.max_requests), wire, options.timeout, target,
                          query=urlsplit(url).query)
    ctx = RunContext(exchanger, dict(options.headers))
    planned = plan_probes(operations, allow_writes=options.allow_writes)
    if options.only is not None:
        wanted = set(options.only)
        planned = [p for p in planned if wanted & {*p.codes, *p.names}]
    semaphore = asyncio.Semaphore(_CONCURRENCY)

    async def run(item: Planned) -> list[Verdict]:
        async with semaphore:
            verdicts = await _run_one(ctx, item)
        for verdict in verdicts:
            if progress is not None:
                progress(verdict)
        return verdicts

    # Reads first, then writes: a note created by one probe must not change what a
    # concurrent read of the collection compares (HEAD against GET).
    reads = await asyncio.gather(*(run(p) for p in planned if not p.write))
    writes = await asyncio.gather(*(run(p) for p in planned if p.write))
    verdicts = [v for batch in [*reads, *writes] for v in batch]
    value_notes: list[str] = []
    if _values_wanted(options):
        values = await run_values(ctx, operations, allow_writes=options.allow_writes,
                                  seed=new_seed() if options.seed is None else options.seed,
                                  examples=options.examples)
        verdicts += values.verdicts
        value_notes = values.notes
    verdicts = behind_credentials(verdicts, operations, options.headers)
    try:
        cleaned = await clean_up(ctx, operations)
    except httpx2.HTTPError as exc:
        cleaned = [f"clean-up failed: {type(exc).__name__}: {exc}; left: "
                   f"{', '.join(sorted(ctx.created))}"]
    verdicts += conformance_verdicts(operations, ctx.statuses, ctx.answers)
    notes = _notes(source, operations, planned, options, exchanger.budget)
    notes.insert(1, where_paths_go(url, document, read_from))
    return OpenAPIRun(verdicts, source, notes + skipped_values + value_notes + cleaned,
                      exchanger.budget.used)


def _values_wanted(options: OpenAPIOptions) -> bool:
    """The value phase runs unless turned off, or ``only`` names other checks."""
    return options.values and (options.only is None or "values" in options.only)


def _values_ready(options: OpenAPIOptions) -> tuple[OpenAPIOptions, list[str]]:
    """The value phase needs the fuzz extra. Named in ``only``, it cannot be left out:
    OpenAPIError. On by default, it is skipped with a note, so that a run that worked
    before the phase existed works the same without the extra."""
    from statuskit.check._values_gen import FuzzMissing, require

    if not _values_wanted(options):
        return options, []
    try:
        require()
    except FuzzMissing as exc:
        if options.only is not None:
            raise OpenAPIError(str(exc)) from None
        return replace(options, values=False), [f"value phase skipped: {exc}"]
    return options, []


def _notes(source: str, operations: list[Operation], planned: list[Planned],
           options: OpenAPIOptions, budget: RequestBudget) -> list[str]:
    paths = len({op.path for op in operations})
    notes = [f"OpenAPI document: {source} ({len(operations)} operations on {paths} paths)"]
    writes = sum(len(p.codes) for p in planned if p.write)
    if not options.allow_writes:
        notes.append(f"reads only: {writes} write probes skipped (--allow-writes sends them); "
                     "405 probes send an undeclared method with no content")
    notes.append(f"{budget.used} requests of --max-requests {budget.limit}")
    return notes


async def check_openapi(url: str, given: str | None, options: OpenAPIOptions | None = None,
                        progress: Progress | None = None) -> OpenAPIRun | Source:
    """Over the network: find the document and run its probes. A statuskit plan found
    instead is returned as a ``Source`` for the ordinary run to follow."""
    options = options or OpenAPIOptions()
    _values_ready(options)  # before any request: named in only, a missing extra stops here
    target = parse_target(url, cacert=options.cacert, insecure=options.insecure)
    if target.authorization is not None and "Authorization" not in options.headers:
        # Credentials in the URL go with every probe but the one that asks without.
        options = replace(options, headers={**options.headers,
                                            "Authorization": target.authorization})
    async with httpx2.AsyncClient(timeout=options.timeout, verify=target.client_tls(given or ""),
                                 headers={"User-Agent": "statuskit-check"}) as client:
        source = await find_source(client, target.url, given)
        if source.document is None:
            return source
        return await run_operations(client, target.url, source.document, options, wire=True,
                                    source=source.where, progress=progress, target=target)


def run_for_cli(url: str, given: str, options: OpenAPIOptions,
                progress: Progress | None = None) -> tuple[list[Verdict], list[str]]:
    """``check_openapi`` for the command line: verdicts and the lines to print."""
    outcome = asyncio.run(check_openapi(url, given or None, options, progress))
    if isinstance(outcome, Source):
        return [], [f"no OpenAPI document; the run above followed {outcome.where}"]
    return outcome.verdicts, outcome.notes
