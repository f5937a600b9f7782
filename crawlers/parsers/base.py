"""The contract every parser keeps: `parse(body, ctx) -> ParseResult`, pure, no I/O."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from horizon.schemas import Record, Reject, Sharing, validate_record

#: Longest quarantine reason kept (a reason names the fault; it never carries the body).
MAX_REASON_CHARS = 500
#: Field bounds applied to every record a parser emits (bounded memory downstream).
MAX_TITLE_CHARS = 2_000
MAX_TEXT_CHARS = 200_000
MAX_ID_CHARS = 2_000
MAX_URL_CHARS = 4_096
MAX_LIST_ITEMS = 1_000
MAX_ITEM_CHARS = 1_000
MAX_EXTRA_CHARS = 10_000
MAX_EXTRA_DEPTH = 6
#: Rejects kept per body; further refusals are only counted in `ParseResult.rejects_dropped`.
MAX_REJECTS = 1_000
#: Text cleaned per field: enough for MAX_TEXT_CHARS of text, never a whole hostile body.
MAX_CLEAN_CHARS = 1_000_000

_SECRET_NAME = (
    r"(?:api[_-]?key|apikey|x-api-key|access[_-]?token|refresh[_-]?token|id[_-]?token"
    r"|client[_-]?secret|token|mailto|key|app[_-]?id|password|passwd|secret|signature|sig"
    r"|authorization)"
)
_SECRET_PAIR = re.compile(
    rf"(?i)(?<![A-Za-z0-9])({_SECRET_NAME})(\\?[\"']?\s*(?:=|%3D|:)\s*\\?[\"']?)([^\s\"'&,;<>\\]+)"
)
#: `api key SECRET123`: a credential named, then a token-like value (8+ characters, a digit).
_SECRET_WORDS = re.compile(
    r"(?i)(?<![A-Za-z0-9])((?:api[ _-]?key|access[ _-]?token|client[ _-]?secret|token|password|secret)"
    r"\s+)(?=[A-Za-z0-9._~+/=-]*\d)([A-Za-z0-9._~+/=-]{8,})"
)
_AUTH_SCHEME = re.compile(r"(?i)\b(Bearer|Basic|Token|Digest)(\s+)[A-Za-z0-9._~+/=:-]{4,}")
REDACTED = "REDACTED"
#: Cheap pre-check: text without any of these words holds nothing to redact.
_HINT = re.compile(r"(?i)key|token|secret|mailto|passw|sig|auth|bearer|basic|digest")


def redact_text(text: str) -> str:
    """The text with credentials masked: `api_key=…`, `"access_token": "…"`, `Bearer …`."""
    if not text or not _HINT.search(text):
        return text
    text = _AUTH_SCHEME.sub(rf"\1\2{REDACTED}", text)
    text = _SECRET_WORDS.sub(rf"\1{REDACTED}", text)
    return _SECRET_PAIR.sub(lambda m: m[0] if m[3] == REDACTED else f"{m[1]}{m[2]}{REDACTED}", text)


def one_line(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """White space folded, credentials masked, at most `limit` characters."""
    folded = " ".join(str(text).split())
    if len(folded) > limit + 1000:
        folded = folded[: limit + 1000]  # redact a bounded head, never the whole of a huge text
    folded = redact_text(folded)
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


class ParseError(ValueError):
    """The whole body cannot be parsed; the message is the quarantine reason (one line)."""

    def __init__(self, reason: object = "") -> None:
        super().__init__(one_line(str(reason)))


@dataclass(frozen=True)
class ParseContext:
    """What a parser knows besides the bytes: where they came from and who labelled them."""

    source: str
    url: str = ""
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime(1970, 1, 1))
    raw_sha256: str = ""
    sharing: Sharing = Sharing.clear
    content_type: str | None = None
    #: Source-specific settings, e.g. {"country": "JP", "encoding": "cp932"} for a feed.
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_body(cls, source: str, body: bytes, **kwargs: Any) -> ParseContext:
        """A context whose raw_sha256 is the body's hash."""
        return cls(source=source, raw_sha256=hashlib.sha256(body).hexdigest(), **kwargs)


@dataclass
class ParseResult:
    """Records parsed from one body, items refused with reasons, and how to get the next page."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: Cursor / resumption token / next URL for the spider; None on the last page.
    next_page: str | None = None
    #: Total the server says matches the query, when it says.
    total: int | None = None
    #: The page came back empty though the server's total says more results lie at and beyond
    #: it (arXiv answers such pages transiently): the spider asks again before giving up.
    announced_more: bool = False
    #: Further URLs to fetch for this page (e.g. article pages of a summary-only feed).
    follow: list[str] = field(default_factory=list)
    #: Refusals beyond MAX_REJECTS (counted, not kept): add them to the quarantined count.
    rejects_dropped: int = 0

    def add(self, fields: dict[str, Any], ctx: ParseContext) -> None:
        """Validate one item's fields (provenance filled from ctx) into a record or a reject."""
        fields = {
            "source": ctx.source,
            "raw_sha256": ctx.raw_sha256,
            "fetched_at": ctx.fetched_at,
            "sharing": ctx.sharing,
            **fields,
        }
        refusal = oversized(fields)
        if refusal:
            self.reject(ctx, refusal, item=str(fields.get("record_id") or "")[:200] or None)
            return
        built = validate_record(bound_fields(fields), ctx.source)
        if isinstance(built, Record):
            self.records.append(built)
        elif self._room():
            self.rejects.append(
                built.model_copy(
                    update={
                        "reason": one_line(built.reason),
                        "url": _redact_url(built.url, MAX_URL_CHARS),
                        "item": one_line(built.item, 200) if built.item else None,
                    }
                )
            )

    def add_documents(
        self,
        docs: Any,
        ctx: ParseContext,
        fields_of: Callable[[dict[str, Any]], dict[str, Any]],
        wrong_type: str = "document is not an object",
        *,
        errors: tuple[type[Exception], ...] = (ParseError,),
        item_key: str | None = None,
    ) -> None:
        """Each object of `docs` through `fields_of` into a record; anything else is refused.

        `wrong_type` may name the offending type as `{type}`; `errors` are the exceptions that
        refuse one item rather than the page; `item_key` labels a refused item by that field.
        """
        for doc in docs or []:
            if not isinstance(doc, dict):
                self.reject(ctx, wrong_type.format(type=type(doc).__name__))
                continue
            try:
                fields = fields_of(doc)
            except errors as exc:
                label = str(doc.get(item_key) or "")[:200] or None if item_key else None
                self.reject(ctx, str(exc), item=label)
                continue
            self.add(fields, ctx)

    def reject(self, ctx: ParseContext, reason: str, item: str | None = None) -> None:
        """Refuse one item with a reason (credentials masked, one line)."""
        if not self._room():
            return
        self.rejects.append(
            Reject(source=ctx.source, reason=one_line(reason) or "refused",
                   url=_redact_url(ctx.url, MAX_URL_CHARS),
                   raw_sha256=ctx.raw_sha256 or None,
                   item=one_line(item, 200) if item else None)
        )  # fmt: skip

    def _room(self) -> bool:
        """Whether another reject is kept; past MAX_REJECTS one summary stands for the rest."""
        if len(self.rejects) < MAX_REJECTS:
            return True
        if self.rejects_dropped == 0:
            last = self.rejects[-1]
            self.rejects.append(
                last.model_copy(
                    update={
                        "reason": f"more than {MAX_REJECTS} items refused in one body; "
                        "the rest are counted in rejects_dropped",
                        "item": None,
                    }
                )
            )
        self.rejects_dropped += 1
        return False


def oversized(fields: dict[str, Any]) -> str | None:
    """Why an item's fields are too large to be a record (a 50 MB title), or None."""
    for name, limit in (("title", MAX_TITLE_CHARS), ("record_id", MAX_ID_CHARS)):
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            return f"{name} of {len(value)} characters exceeds the {limit}-character limit"
    return None


def bound_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields with long text cut, long lists shortened and URLs redacted; cuts noted in `extra`."""
    out = dict(fields)
    cuts: dict[str, int] = {}
    text = out.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        out["text"], cuts["text"] = text[:MAX_TEXT_CHARS], len(text)
    for name in ("organizations", "ids"):
        values = out.get(name)
        if isinstance(values, list):
            if len(values) > MAX_LIST_ITEMS:
                cuts[name] = len(values)
            out[name] = [_cut(v, MAX_ITEM_CHARS) for v in values[:MAX_LIST_ITEMS]]
    codes = out.get("codes")
    if isinstance(codes, dict):
        out["codes"] = {
            k: [_cut(v, MAX_ITEM_CHARS) for v in vs[:MAX_LIST_ITEMS]]
            if isinstance(vs, list)
            else vs
            for k, vs in codes.items()
        }
    for name in ("url", "record_id"):
        if isinstance(out.get(name), str):
            out[name] = _redact_url(out[name], MAX_URL_CHARS)
    if isinstance(out.get("ids"), list):
        out["ids"] = [
            _redact_url(i, MAX_URL_CHARS) if isinstance(i, str) else i for i in out["ids"]
        ]
    if isinstance(out.get("title"), str):
        out["title"] = redact_text(out["title"])
    extra = out.get("extra")
    if isinstance(extra, dict):
        out["extra"] = _bounded(extra, 0)
        if cuts:
            out["extra"]["truncated"] = cuts
    return out


def _cut(value: Any, limit: int) -> Any:
    return value[:limit] if isinstance(value, str) else value


def _bounded(value: Any, depth: int) -> Any:
    """A copy of a JSON-like value no deeper, longer or wider than the extra-field bounds."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:MAX_EXTRA_CHARS]
    if depth >= MAX_EXTRA_DEPTH and isinstance(value, dict | list | tuple):
        return None
    if isinstance(value, dict):
        items = list(value.items())[:MAX_LIST_ITEMS]
        return {str(k)[:MAX_ITEM_CHARS]: _bounded(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [_bounded(v, depth + 1) for v in value[:MAX_LIST_ITEMS]]
    return value


_URL_SECRET = re.compile(rf"(?i)([?&;#]{_SECRET_NAME}=)[^&;#]*|(//[^/?#@]*?:)[^/?#@]*(@)")


def _redact_url(url: str | None, limit: int) -> str | None:
    """A URL with credential query parameters and passwords masked (see common.redact_url)."""
    if not url:
        return None
    if "=" not in url and "@" not in url:
        return url[:limit]
    return _URL_SECRET.sub(
        lambda m: f"{m[1]}{REDACTED}" if m[1] else f"{m[2]}{REDACTED}{m[3]}", url[:limit]
    )


class Parser(Protocol):
    """A source's parser."""

    def __call__(self, body: bytes, ctx: ParseContext) -> ParseResult: ...
