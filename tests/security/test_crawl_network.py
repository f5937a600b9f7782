"""Credentials stay on their origin and live crawls reach public hosts only, attacked from
loopback: the real crawl child against two hosts (127.0.0.1 and 127.0.0.2) that redirect, echo
keys into `Location` and hand out tokens, with a tripwire that blocks and logs any connection
off this machine (it must stay empty).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from crawlers.network import DestinationGuardMiddleware, GuardedResolver, host_refusal
from crawlers.run import child_env, crawl_source, credential_variables
from tests.crawlers.test_spiders import OPS, openalex_page, openalex_work, taxonomy_yaml
from tests.security.hosts import Host, Seen, json_answer, redirect

KEY, MAILTO = "PLANTED-OA-KEY-7f3a9c", "planted.mailbox.7f3a9c@example.org"
EPO_KEY, EPO_SECRET, TOKEN = (
    "PLANTED-EPO-KEY-51d2",
    "PLANTED-EPO-SECRET-8e4b",
    "PLANTED-TOKEN-c0ffee",
)
BASIC = base64.b64encode(f"{EPO_KEY}:{EPO_SECRET}".encode()).decode()
MODES = ["replay", "live"]


def write_config(root: Path, source: str, *, base: str = "https://example.invalid/api",
                 feeds: dict[str, str] | None = None, max_records: int = 5000) -> Path:  # fmt: skip
    """sources.yaml with one source (fast politeness, feeds at the given URLs) and a taxonomy."""
    config = root / "config"
    config.mkdir(parents=True, exist_ok=True)
    rows = "".join(
        f"      - name: {name}\n        url: {url}\n        country: US\n"
        for name, url in (feeds or {}).items()
    )
    (config / "sources.yaml").write_text(
        'user_agent: "horizon-scan-test/0"\ncontact: "mailto:security-tests@horizon-scan.org"\nsources:\n'
        f"  {source}:\n    base_url: {base}\n    rate_limit: 50\n    max_records: {max_records}\n"
        f"    default_since: 2020-01-01\n" + (f"    feeds:\n{rows}" if rows else ""),
        encoding="utf-8",
    )
    (config / "taxonomy.yaml").write_text(taxonomy_yaml([{"slug": "quantum"}]), encoding="utf-8")
    return config


def crawl(mode: str, source: str, a: Host, tmp: Path, config: Path, *, base: str | None = None,
          allow: tuple[str, ...] = (), **kwargs: Any) -> dict[str, Any]:  # fmt: skip
    """The crawl child against host `a`: replay (loopback only) or live (public only, `a` and
    `allow` configured)."""
    return crawl_source(source, home=tmp / "home", out_dir=tmp / "out" / f"{source}-{mode}",
                        base_url=base or a.url, config_dir=config, timeout=180, live=mode == "live",
                        allow_origins=allow if mode == "live" else (), **kwargs)  # fmt: skip


def forms(*secrets: str) -> set[str]:
    """Every form a request carries a secret in: plain, URL-quoted, quoted with +."""
    return {f for s in secrets for f in (s, quote(s, safe=""), quote_plus(s))}


def leaks(seen: list[Seen], *secrets: str) -> list[str]:
    """Each request (line, headers, body) holding one of the secrets."""
    return [s.text[:300] for s in seen if any(f in s.text for f in forms(*secrets))]


def not_found(_: Seen) -> tuple[int, dict[str, str], bytes]:
    return 404, {"Content-Type": "text/plain"}, b"not here\n"


@pytest.mark.parametrize("mode", MODES)
def test_openalex_key_and_mailto_never_follow_a_redirect_to_another_host(
    mode: str, tmp_path: Path, tripwire: Path
) -> None:
    """The API host redirects every page to a second host, copying the query string (key and
    mailto included) into Location: the second host answers, and never sees either."""
    page = (200, {"Content-Type": "application/json"},
            openalex_page([openalex_work(1, ["JP"])], None).encode())  # fmt: skip
    b = Host(lambda s: page if s.path.startswith("/works") else not_found(s), address="127.0.0.2")
    a = Host(
        lambda s: redirect(f"{b.url}{s.path}") if s.path.startswith("/works") else not_found(s)
    )
    with b, a:
        config = write_config(tmp_path, "papers_openalex")
        summary = crawl(mode, "papers_openalex", a, tmp_path, config, allow=(b.url,),
                        credentials={"api_key": KEY, "mailto": MAILTO})  # fmt: skip
    works_a = [s for s in a.seen if s.path.startswith("/works")]
    works_b = [s for s in b.seen if s.path.startswith("/works")]
    assert works_a and all(f"api_key={KEY}" in s.path for s in works_a)  # sent to their origin
    assert works_b, "the redirect was not followed"
    assert leaks(b.seen, KEY, MAILTO) == []
    assert summary["finished"] is True and summary["records"] == 1, summary
    assert tripwire.read_text() == ""


def test_a_location_echoing_the_key_under_another_name_is_refused(
    tmp_path: Path, tripwire: Path
) -> None:
    b = Host(not_found, address="127.0.0.2")
    a = Host(lambda s: redirect(f"{b.url}/works?k={KEY}&m={quote(MAILTO)}")
             if s.path.startswith("/works") else not_found(s))  # fmt: skip
    with b, a:
        config = write_config(tmp_path, "papers_openalex")
        summary = crawl("replay", "papers_openalex", a, tmp_path, config,
                        credentials={"api_key": KEY, "mailto": MAILTO})  # fmt: skip
    assert [s.path for s in b.seen] == []  # nothing went there at all
    assert summary["finished"] is False
    assert any("carries a credential to another origin" in e for e in summary["errors"])
    assert not any(KEY in e or MAILTO in e for e in summary["errors"])
    assert tripwire.read_text() == ""


def epo_script(b: Host | None, *, token_moves: bool) -> Any:
    """EPO OPS on host a: the token endpoint answers (or 307-redirects to b, keeping POST and its
    body); searches answer (or 302-redirect to b)."""

    def answer(s: Seen) -> Any:
        if s.path.endswith("/auth/accesstoken"):
            if token_moves and b is not None:
                return redirect(f"{b.url}{s.path}", status=307)
            return json_answer({"access_token": TOKEN, "expires_in": "1199"})
        if "/published-data/search" in s.path:
            if not token_moves and b is not None:
                return redirect(f"{b.url}{s.path}")
            return 200, {"Content-Type": "application/xml"}, OPS.encode()
        return not_found(s)

    return answer


def epo_host_b(s: Seen) -> Any:
    """The second host: hands out its own token, answers searches."""
    if s.path.endswith("/auth/accesstoken"):
        return json_answer({"access_token": "TOKEN-FROM-ELSEWHERE"})
    if "/published-data/search" in s.path:
        return 200, {"Content-Type": "application/xml"}, OPS.encode()
    return not_found(s)


@pytest.mark.parametrize("mode", MODES)
def test_epo_basic_auth_stays_on_its_origin_when_the_token_endpoint_redirects(
    mode: str, tmp_path: Path, tripwire: Path
) -> None:
    b = Host(epo_host_b, address="127.0.0.2")
    with b, Host(epo_script(b, token_moves=True)) as a:
        config = write_config(tmp_path, "patents_epo_ops")
        crawl(mode, "patents_epo_ops", a, tmp_path, config, base=f"{a.url}/3.2",
              allow=(b.url,), credentials={"key": EPO_KEY, "secret": EPO_SECRET})  # fmt: skip
    token_a = [s for s in a.seen if s.path.endswith("/auth/accesstoken")]
    token_b = [s for s in b.seen if s.path.endswith("/auth/accesstoken")]
    assert token_a and token_a[0].headers.get("Authorization") == f"Basic {BASIC}"
    assert token_b and token_b[0].method == "POST"  # the 307 was followed …
    assert all("Authorization" not in s.headers for s in b.seen)  # … without the client secret
    assert leaks(b.seen, EPO_KEY, EPO_SECRET, BASIC) == []
    assert tripwire.read_text() == ""


@pytest.mark.parametrize("mode", MODES)
def test_epo_bearer_token_stays_on_its_origin_when_a_search_redirects(
    mode: str, tmp_path: Path, tripwire: Path
) -> None:
    b = Host(epo_host_b, address="127.0.0.2")
    with b, Host(epo_script(b, token_moves=False)) as a:
        config = write_config(tmp_path, "patents_epo_ops")
        summary = crawl(mode, "patents_epo_ops", a, tmp_path, config, base=f"{a.url}/3.2",
                        allow=(b.url,), credentials={"key": EPO_KEY, "secret": EPO_SECRET})  # fmt: skip
    search_a = [s for s in a.seen if "/published-data/search" in s.path]
    search_b = [s for s in b.seen if "/published-data/search" in s.path]
    assert search_a and search_a[0].headers.get("Authorization") == f"Bearer {TOKEN}"
    assert search_b and all("Authorization" not in s.headers for s in search_b)
    assert leaks(b.seen, TOKEN, EPO_KEY, EPO_SECRET, BASIC) == []
    assert summary["records"] == 1 and summary["finished"] is True, summary
    assert tripwire.read_text() == ""


#: Redirect targets a live crawl must refuse, in the forms a hostile Location can take.
NON_PUBLIC = {
    "metadata": ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "link-local"),
    "metadata-decimal": ("http://2852039166/latest/meta-data/", "link-local"),
    "metadata-hex": ("http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/", "link-local"),
    "metadata-v6-mapped": ("http://[::ffff:169.254.169.254]/latest/meta-data/", "link-local"),
    "private": ("http://10.0.0.1/admin", "private"),
    "loopback-name": ("http://localhost:9/", "loopback"),
    "loopback-other-host": ("http://127.0.0.2:9/", "loopback"),
    "file": ("file:///etc/passwd", None),
}


def test_live_crawl_refuses_redirects_to_non_public_addresses(
    tmp_path: Path, tripwire: Path
) -> None:
    """One feed per target on a configured loopback host; each redirects to its target. Live:
    every redirect is refused with the address kind, nothing is attempted, nothing escapes."""

    def answer(s: Seen) -> Any:
        name = s.path.rsplit("/", 1)[-1]
        return redirect(NON_PUBLIC[name][0]) if name in NON_PUBLIC else not_found(s)

    with Host(answer) as a:
        config = write_config(tmp_path, "policy_feed", base=a.url,
                              feeds={n: f"{a.url}/feeds/{n}" for n in NON_PUBLIC})  # fmt: skip
        summary = crawl_source("policy_feed", home=tmp_path / "home", out_dir=tmp_path / "out",
                               config_dir=config, timeout=180)  # fmt: skip
    assert sorted(s.path for s in a.seen if s.path.startswith("/feeds/")) == sorted(
        f"/feeds/{n}" for n in NON_PUBLIC
    )
    assert summary["finished"] is False
    assert summary["chains_failed"] == sorted(f"feed:{n}" for n in NON_PUBLIC)
    for name, (_, kind) in NON_PUBLIC.items():
        if kind is None:  # Scrapy follows no redirect off http(s): the 302 fails the feed
            continue
        errors = [e for e in summary["errors"] if e.startswith(f"feed:{name}:")]
        assert errors and f"a {kind} address" in errors[0] and "refused" in errors[0], (
            name,
            errors,
        )
    assert tripwire.read_text() == ""


def test_the_tripwire_is_loaded_by_crawl_children(tmp_path: Path, tripwire: Path) -> None:
    """The guard of the tests above is real: a child started like the crawl loads it."""
    probe = "import sitecustomize, sys; print(sitecustomize.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], env=child_env(os.environ),
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert out.strip() == str(tripwire.parent / "sitecustomize.py")


# -- the pieces, without a crawl -------------------------------------------------------------
class _Settings(dict):
    def getbool(self, key: str) -> bool:
        return bool(self.get(key))

    def getlist(self, key: str) -> list[str]:
        return list(self.get(key) or [])


class _Crawler:
    def __init__(self, **settings: Any) -> None:
        self.settings = _Settings(settings)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest", "link-local"),
        ("http://2852039166/", "link-local"),
        ("http://0251.0376.0251.0376/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[::ffff:10.1.2.3]/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://100.64.0.1/", "non-global"),
        ("http://127.1/", "loopback"),
        ("http://[::1]:8080/", "loopback"),
        ("http://LOCALHOST./", "loopback"),
        ("http://api.localhost/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("https://api.openalex.org/works", None),
        ("https://8.8.8.8/", None),
    ],
)
def test_every_literal_form_of_a_non_public_address_is_named(url: str, kind: str | None) -> None:
    from urllib.parse import urlsplit

    assert host_refusal(urlsplit(url).hostname or "") == kind
    guard = DestinationGuardMiddleware(_Crawler(HORIZON_ALLOWED_ORIGINS=["http://127.0.0.1:8000"]))
    reason = guard.refusal(url)
    assert (reason is None) == (kind is None) and (kind is None or f"a {kind} address" in reason)


def test_configured_origins_and_replay_are_the_only_ways_to_this_machine() -> None:
    live = DestinationGuardMiddleware(
        _Crawler(HORIZON_ALLOWED_ORIGINS=["http://127.0.0.1:8000/api"])
    )
    assert live.refusal("http://127.0.0.1:8000/works?x=1") is None  # the configured origin
    assert "loopback" in (live.refusal("http://127.0.0.1:8001/") or "")  # another port
    assert "loopback" in (live.refusal("https://127.0.0.1:8000/") or "")  # another scheme
    replay = DestinationGuardMiddleware(_Crawler(HORIZON_LOOPBACK_ONLY=True))
    assert replay.refusal("http://127.0.0.2:9/") is None
    assert "off-machine" in (replay.refusal("https://api.openalex.org/") or "")
    assert "only http(s)" in (replay.refusal("file:///etc/passwd") or "")


def test_the_resolver_refuses_names_that_resolve_to_non_public_addresses() -> None:
    from twisted.internet.error import DNSLookupError

    resolver = GuardedResolver.__new__(GuardedResolver)  # no reactor needed to judge an answer
    resolver.allowed, resolver.loopback = frozenset({"mirror.internal"}), False
    for address, kind in (("169.254.169.254", "link-local"), ("10.0.0.1", "private"),
                          ("127.0.0.1", "loopback")):  # fmt: skip
        with pytest.raises(DNSLookupError, match=f"resolves to a {kind} address"):
            resolver.check(address, "metadata.attacker.example")
    assert resolver.check("93.184.216.34", "example.org") == "93.184.216.34"
    assert resolver.check("10.0.0.5", "mirror.internal") == "10.0.0.5"  # configured
    resolver.loopback = True  # a replay crawl
    assert resolver.check("127.0.0.1", "localhost") == "127.0.0.1"
    with pytest.raises(DNSLookupError):
        resolver.check("169.254.169.254", "localhost.attacker.example")


def test_the_crawl_child_environment_holds_no_credential(tmp_path: Path) -> None:
    """Credentials go by stdin: the child's environment drops every credential variable of the
    config (all sources, not only the crawled one) and any variable holding a passed value."""
    config = Path(__file__).resolve().parents[2] / "data" / "config"
    names = credential_variables(config)
    assert {"OPENALEX_API_KEY", "EPO_OPS_KEY", "EPO_OPS_SECRET"} <= names
    environ = {**{n: f"value-of-{n}" for n in names}, "HOME": "/root", "ODD_NAME": "PASSED-VALUE"}
    env = child_env(environ, drop=names, secrets=["PASSED-VALUE"])
    assert env["HOME"] == "/root" and not names & env.keys() and "ODD_NAME" not in env
