"""What mypy --strict sees in a user's script: the response type a call was given
comes back, errors say what their response can be, and the policy takes a set.
mypy is the oracle; the script is checked as a user's would be (statuskit as an
installed package)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

USER_SCRIPT = '''
import httpx
import httpx2
import requests

import statuskit.client.httpx2 as on_httpx2
from urllib3.util.retry import Retry

from statuskit.client import (
    POLICY, AsyncRetryTransport, Attempt, HTTPStatusError, NotFound, RecordedWaits,
    ResumeFailed, RetryAdapter, RetryAfterTooLong, RetryBudget, RetryEvent, RetryPolicy,
    RetryTransport, ServiceUnavailable, araise_for_status, attempts_of, budget_for,
    raise_for_status, using_policy,
)

policy = RetryPolicy(retry_statuses={429, 503}, allowed_methods=["GET", "PUT"])
client = httpx.Client(transport=RetryTransport(policy=policy))
client2 = httpx2.Client(transport=on_httpx2.RetryTransport(policy=policy))
session = requests.Session()
session.mount("https://", RetryAdapter(policy=policy))


def sync_httpx() -> None:
    reveal_type(raise_for_status(client.get("https://x.test/")))  # httpx


def sync_httpx2() -> None:
    reveal_type(raise_for_status(client2.get("https://x.test/")))  # httpx2


def sync_requests() -> None:
    reveal_type(raise_for_status(session.get("https://x.test/")))  # requests


async def on_async(async_client: httpx.AsyncClient) -> None:
    response = await async_client.get("https://x.test/")
    reveal_type(raise_for_status(response))  # async httpx
    reveal_type(await araise_for_status(response))  # awaited


def errors() -> None:
    try:
        raise_for_status(client.get("https://x.test/"))
    except NotFound as error:
        reveal_type(error.response)  # the response
        reveal_type(error.problem)  # problem
        reveal_type(attempts_of(error)[0].status)  # status
        reveal_type(error.request)  # the request


def the_rest_of_the_api() -> None:
    # Everything else a user writes, type-checked: hooks, urllib3's Retry, budgets,
    # the library's own classes, the other errors' fields.
    def on_attempt(attempt: Attempt) -> None:
        print(attempt.method, attempt.url, attempt.status, attempt.decision, attempt.elapsed)

    def on_retry(event: RetryEvent) -> None:
        print(event.wait, event.retry_after, event.error)

    waits = RecordedWaits()
    transport = RetryTransport(policy=RetryPolicy.from_urllib3(Retry(total=3)),
                               budget=budget_for("https://x.test"), on_attempt=on_attempt,
                               on_retry=on_retry, sleep=waits.sleep, resume=False,
                               verify=False, limits=httpx.Limits(max_connections=4))
    session.mount("http://", RetryAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))
    session.mount("http://", RetryAdapter(max_retries=7, budget=RetryBudget(max_tokens=20)))
    with httpx.Client(transport=transport) as one, \
            using_policy(RetryPolicy(max_attempts=2, retry_statuses=[503])):
        try:
            raise_for_status(one.get("https://x.test/",
                                     extensions={POLICY: RetryPolicy(max_attempts=1)}))
        except ServiceUnavailable as error:
            print(error.retry_after, error.retryable, error.status_code, error.headers)
        except httpx.HTTPStatusError as error:
            print(error.response.status_code, error.request.url)
        except RetryAfterTooLong as error:
            print(error.retry_after, error.status_code, error.attempts)
        except ResumeFailed as error:
            print(error.received, error.url)
        except HTTPStatusError as error:
            print([attempt.decision for attempt in error.attempts], error.problem)


async def on_trio_or_asyncio() -> int:
    async with httpx.AsyncClient(transport=AsyncRetryTransport()) as async_client:
        response = await araise_for_status(await async_client.get("https://x.test/"))
    return len(attempts_of(response))
'''

EXPECTED = {
    "httpx": "httpx._models.Response",
    "httpx2": "httpx2._models.Response",
    "requests": "requests.models.Response",
    "async httpx": "httpx._models.Response",
    "awaited": "httpx._models.Response",
    "the response": "httpx._models.Response | httpx2._models.Response | "
                    "requests.models.Response | None",
    "problem": "dict[str, Any] | None",
    "status": "int | None",
    "the request": "httpx._models.Request | httpx2._models.Request | "
                   "requests.models.PreparedRequest | None",
}


def test_mypy_strict_sees_the_precise_types_in_a_users_script(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(USER_SCRIPT), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-color-output", "--hide-error-context",
         "--cache-dir", str(tmp_path / "cache"), str(script)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)
    lines = result.stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert errors == []  # the set, the transports and the adapter all type-check
    revealed = {}
    source = script.read_text().splitlines()
    for line in lines:
        found = re.match(r".*:(\d+): note: Revealed type is \"(.*)\"$", line)
        if found:
            label = source[int(found.group(1)) - 1].split("# ")[-1]
            # mypy before 2.0 spells builtins out ("builtins.int"), and unions Union[...]
            revealed[label] = _plain(found.group(2))
    assert revealed == EXPECTED, result.stdout


def _plain(revealed: str) -> str:
    revealed = revealed.replace("builtins.", "")
    union = re.fullmatch(r"Union\[(.*)\]", revealed)
    if union is None:
        return revealed
    parts, depth, start = [], 0, 0
    for at, char in enumerate(union.group(1)):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(union.group(1)[start:at].strip())
            start = at + 1
    return " | ".join([*parts, union.group(1)[start:].strip()])


@pytest.mark.parametrize("statuses", [{429, 503}, [503], (503, 504), frozenset({500})])
def test_a_policy_given_any_collection_of_statuses_hashes(statuses: object) -> None:
    from statuskit.client import RetryPolicy

    policy = RetryPolicy(retry_statuses=statuses)  # type: ignore[arg-type]
    assert isinstance(hash(policy), int)
