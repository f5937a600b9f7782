"""Scrapy settings of the project, and the per-crawl settings built from `sources.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from horizon.config.sources import SourceConfig, SourcesConfig

BOT_NAME = "horizon-scan"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Polite by default; `crawl_settings` tightens these per source from sources.yaml.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 120
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
HORIZON_RETRY_BACKOFF = 2.0
HORIZON_RETRY_AFTER_MAX = 300.0
# Breadth-first, so every domain's query gets its first pages before any gets its hundredth.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# What one hostile host can make a crawl hold (SECURITY.md, "Bounds of a crawl"): a body, also
# after decompression (Scrapy's HttpCompressionMiddleware applies DOWNLOAD_MAXSIZE while it
# inflates), is at most 64 MB, 16 times the largest real API page or feed recorded (4 MB); the
# USPTO bulk files come in ranged parts of `part_bytes` (at most 64 MB) appended on disk;
# the bodies of all downloads in flight at once are at most 256 MB together (BodyLimits).
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
HORIZON_INFLIGHT_BYTES = 256 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
# Live crawls reach public addresses only (names resolving elsewhere are refused here too).
TWISTED_DNS_RESOLVER = "crawlers.network.GuardedResolver"
EXTENSIONS = {"crawlers.network.BodyLimits": 100}
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    "crawlers.network.DestinationGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.RetryAfterMiddleware": 550,
    "crawlers.pacing.SourcePauseMiddleware": 560,  # a source's Retry-After pauses all its requests
    "crawlers.middlewares.RawStoreMiddleware": 580,
    "crawlers.middlewares.CredentialsMiddleware": 610,
}
ITEM_PIPELINES = {"crawlers.pipelines.OutputPipeline": 300}


def user_agent(sources: SourcesConfig) -> str:
    """The contact User-Agent: product, version and how to reach the operator."""
    agent = sources.user_agent
    return agent if sources.contact in agent else f"{agent} (+{sources.contact})"


def crawl_settings(
    sources: SourcesConfig,
    source: SourceConfig,
    *,
    raw_dir: Path,
    jobdir: Path | None,
    loopback: bool,
    log_file: Path | None = None,
    allowed_origins: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Settings for one crawl: politeness from the source's config, relaxed on loopback replay.

    `allowed_origins` are URLs the operator configured (a --base-url, a mirror): a live crawl
    may reach their origins even where they are not public; the source's base URL and feed URLs
    from sources.yaml are configured too. Anything a response points at must be public."""
    delay = 1.0 / source.rate_limit
    settings: dict[str, Any] = {
        "USER_AGENT": user_agent(sources),
        "DOWNLOAD_DELAY": delay,
        # the rate limit is a ceiling: Scrapy's default jitter (0.5–1.5 × the delay) would go under
        # it (arXiv: one request every 3 s); AutoThrottle never sets a delay below DOWNLOAD_DELAY
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        # robots.txt, unless the source's API terms govern instead (`robots: api_terms`)
        "ROBOTSTXT_OBEY": source.robots == "obey",
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.connections,
        "AUTOTHROTTLE_START_DELAY": delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": min(source.rate_limit, 1.0),
        "HORIZON_RAW_DIR": str(raw_dir),
        "HORIZON_ALLOWED_ORIGINS": [
            source.base_url,
            *(feed.url for feed in source.feeds),
            *allowed_origins,
        ],
    }
    if jobdir is not None:
        settings["JOBDIR"] = str(jobdir)
    if log_file is not None:
        settings["LOG_FILE"] = str(log_file)
    if loopback:
        # A replay server on this machine: no robots.txt, no throttling, short waits, no escapes.
        settings.update(
            ROBOTSTXT_OBEY=False,
            AUTOTHROTTLE_ENABLED=False,
            DOWNLOAD_DELAY=0,
            CONCURRENT_REQUESTS_PER_DOMAIN=8,
            HORIZON_RETRY_BACKOFF=0.05,
            HORIZON_RETRY_AFTER_MAX=5.0,
            DOWNLOAD_TIMEOUT=30,
            HORIZON_LOOPBACK_ONLY=True,
        )
    return settings
