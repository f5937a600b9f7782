"""A crawl the disk refuses a write: it stops writing, drops its checkpoint, and is fetched again."""

from __future__ import annotations

import datetime as dt
import errno
import json
from pathlib import Path

import pytest

from crawlers.items import PageItem
from crawlers.pipelines import CHECKPOINT, RECORDS, SUMMARY, CrawlOutput, valid_output
from crawlers.run import jobdir_whole, should_resume
from horizon.schemas import Record, Sharing
from horizon.write_errors import WriteError, describe, find_write_error


def _record(i: int) -> Record:
    return Record(
        record_id=f"doi:10.5555/w{i}",
        source="papers_openalex",
        kind="paper",
        title=f"Quantum sensing study {i}",
        sharing=Sharing.clear,
        raw_sha256="0" * 64,
        fetched_at=dt.datetime(2026, 12, 1),
    )


def _page(i: int, chain: str = "q") -> PageItem:
    return PageItem(url=f"http://x/{i}", records=[_record(i)], chain=chain, ended=True,
                    next_url=f"http://x/{i + 1}")  # fmt: skip


class FullDisk:
    """A file whose flush the disk refuses (ENOSPC), as on a full tmpfs."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, text: str) -> int:
        return len(text)  # buffered, as Python does, until the flush

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.fh.close()


def _stopped_crawl(out: Path) -> None:
    """A crawl killed after two pages: checkpoint and records whole, summary unfinished."""
    output = CrawlOutput(out, "papers_openalex", resume=False)
    output.add_page(_page(1))
    output.add_page(_page(2))
    output.write_summary(finished=False, reason="shutdown")
    output.close()


def test_refused_write_stops_the_crawl_and_drops_its_checkpoint(tmp_path):
    output = CrawlOutput(tmp_path, "papers_openalex", resume=False)
    output.add_page(_page(1))
    assert (tmp_path / CHECKPOINT).exists()
    real = output._files[RECORDS]
    output._files[RECORDS] = FullDisk(real)
    with pytest.raises(WriteError) as caught:
        output.add_page(_page(2))
    message = str(caught.value)
    assert "\n" not in message
    assert "No space left on device" in message and str(tmp_path / RECORDS) in message
    assert "MB free there" in message
    assert not (tmp_path / CHECKPOINT).exists()  # a resume must not trust what came before
    output._files[RECORDS] = real  # space again: still nothing more is written
    with pytest.raises(WriteError):
        output.add_page(_page(3))
    assert output.counts["records"] == 2  # the page counted before its flush failed
    summary = output.write_summary(finished=True, reason="finished")
    assert summary["finished"] is False and summary["reason"] == "write_error"
    assert json.loads((tmp_path / SUMMARY).read_text())["write_error"] == message
    assert not should_resume(tmp_path)


def test_whole_files_resume(tmp_path):
    _stopped_crawl(tmp_path)
    assert valid_output(tmp_path) is None
    assert should_resume(tmp_path)
    # a torn last line is a kill mid-write: still resumable (the line is trimmed on reload)
    with (tmp_path / RECORDS).open("a") as fh:
        fh.write('{"record_id": "doi:10.5')
    assert should_resume(tmp_path)


@pytest.mark.parametrize("damage", ["empty checkpoint", "torn checkpoint", "torn middle line"])
def test_truncated_files_are_fetched_again(tmp_path, damage):
    _stopped_crawl(tmp_path)
    if damage == "empty checkpoint":
        (tmp_path / CHECKPOINT).write_bytes(b"")
    elif damage == "torn checkpoint":
        data = (tmp_path / CHECKPOINT).read_bytes()
        (tmp_path / CHECKPOINT).write_bytes(data[: len(data) // 2])
    else:
        lines = (tmp_path / RECORDS).read_bytes().split(b"\n")
        lines[0] = lines[0][:20]
        (tmp_path / RECORDS).write_bytes(b"\n".join(lines))
    assert valid_output(tmp_path)
    assert not should_resume(tmp_path)


@pytest.mark.parametrize(
    "name, body, whole",
    [
        ("spider.state", b"", False),
        ("spider.state", b"\x80\x04}\x94.", True),
        ("requests.queue/active.json", b"", False),
        ("requests.queue/active.json", b"[]", True),
    ],
)
def test_scrapy_job_state_must_be_whole(tmp_path, name, body, whole):
    _stopped_crawl(tmp_path)
    path = tmp_path / "jobdir" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(body)
    assert jobdir_whole(tmp_path / "jobdir") is whole
    assert should_resume(tmp_path) is whole


def test_write_errors_are_told_apart_and_said_in_a_line(tmp_path):
    duck = RuntimeError('Could not write file "w.wal": No space left on device')
    wrapped = ValueError("stage failed")
    wrapped.__cause__ = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert find_write_error(duck) is duck
    assert find_write_error(wrapped) is wrapped.__cause__
    assert find_write_error(OSError(errno.ENOENT, "No such file")) is None
    assert find_write_error(ValueError("bad date")) is None
    line = describe(OSError(errno.ENOSPC, "No space left on device"), tmp_path / "a" / "b.json")
    assert line.startswith("write failed: No space left on device writing ")
    assert str(tmp_path / "a" / "b.json") in line and line.endswith("MB free there)")
