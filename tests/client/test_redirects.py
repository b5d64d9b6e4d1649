"""Redirects through every adapter: a refused downgrade only when it is followed,
no secret handed to another origin, one exchange across the hops."""

from __future__ import annotations

import httpx
import pytest
import requests
from runners import ADAPTERS, runner
from scripted import Script

from statuskit.client import InsecureRedirect, RetryPolicy, attempts_of

Server = tuple[str, Script]
TLSServer = tuple[str, Script, str]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_https_to_http_redirect_not_followed_is_handed_back(tls_server: TLSServer,
                                                            server: Server, adapter: str) -> None:
    base, script, cert = tls_server
    plain, plain_script = server
    path = f"/unfollowed-{adapter}"
    script.on(path, (301, {"Location": plain + f"/landing-{adapter}"}, b""))
    client = runner(adapter, base, verify=cert)
    try:
        response = client.send("GET", path)  # httpx's default; requests' allow_redirects=False
    finally:
        client.close()
    assert response.status_code == 301
    assert response.headers["location"].startswith("http://")
    assert [(a.status, a.decision) for a in attempts_of(response)] == [(301, "redirect")]
    assert plain_script.count(f"/landing-{adapter}") == 0


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_https_to_http_redirect_followed_is_refused_before_the_hop(
        tls_server: TLSServer, server: Server, adapter: str) -> None:
    base, script, cert = tls_server
    plain, plain_script = server
    path, landing = f"/followed-{adapter}", f"/landing-followed-{adapter}"
    script.on(path, (302, {"Location": plain + landing}, b""))
    client = runner(adapter, base, verify=cert)
    try:
        with pytest.raises(InsecureRedirect) as refused:
            client.send("GET", path, follow=True)
    finally:
        client.close()
    assert isinstance(refused.value, httpx.HTTPError | requests.RequestException)
    assert refused.value.location == plain + landing
    assert [a.status for a in refused.value.attempts] == [302]
    assert plain_script.count(landing) == 0  # nothing went out over plain http
    # requests' own frames in the traceback hold the 3xx's TLS connection (stock
    # requests does the same when a hop fails): let it go now, not at the next GC.
    del refused


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_cross_origin_hop_drops_credentials_and_listed_secrets(server: Server,
                                                               adapter: str) -> None:
    base, script = server
    port = base.rsplit(":", 1)[1]
    path, landing = f"/away-{adapter}", f"/landing-away-{adapter}"
    # Another origin (RFC 6454 §4: the host differs), served by the same process.
    script.on(path, (307, {"Location": f"http://localhost:{port}{landing}"}, b""))
    script.on(landing, 200)
    secrets = {"Authorization": "Bearer s3cret", "Proxy-Authorization": "Basic cHJveHk=",
               "X-Api-Key": "k-123", "X-Trace": "kept"}
    client = runner(adapter, base, remove_headers_on_redirect={
        "Authorization", "Proxy-Authorization", "X-Api-Key"})
    try:
        response = client.send("GET", path, headers=secrets, follow=True)
    finally:
        client.close()
    assert response.status_code == 200
    sent = script.headers[landing][0]
    assert "authorization" not in sent
    assert "proxy-authorization" not in sent
    assert "x-api-key" not in sent
    assert sent["x-trace"] == "kept"
    assert script.headers[path][0]["x-api-key"] == "k-123"  # the first origin had it


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_same_origin_hop_keeps_listed_headers(server: Server, adapter: str) -> None:
    base, script = server
    path, landing = f"/near-{adapter}", f"/landing-near-{adapter}"
    script.on(path, (308, {"Location": landing}, b""))
    script.on(landing, 200)
    client = runner(adapter, base, remove_headers_on_redirect={"X-Api-Key"})
    try:
        client.send("GET", path, headers={"X-Api-Key": "k-123"}, follow=True)
    finally:
        client.close()
    assert script.headers[landing][0]["x-api-key"] == "k-123"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_attempt_cap_spans_redirect_hops(server: Server, adapter: str) -> None:
    base, script = server
    first, second = f"/cap-first-{adapter}", f"/cap-second-{adapter}"
    script.on(first, 503, (302, {"Location": second}, b""))
    script.on(second, 503)
    client = runner(adapter, base, policy=RetryPolicy(max_attempts=3))
    try:
        response = client.send("GET", first, follow=True)
    finally:
        client.close()
    assert response.status_code == 503
    # Two retries in all: one before the hop, one after. A cap that restarted on
    # the hop would have sent the second path three times.
    assert script.count(first) == 2
    assert script.count(second) == 2
    history = attempts_of(response)
    assert [a.status for a in history] == [503, 302, 503, 503]
    assert [a.url.rsplit("/", 1)[1] for a in history] == [first[1:]] * 2 + [second[1:]] * 2
    assert history[-1].decision == "3 attempts made"
