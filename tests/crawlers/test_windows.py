def test_a_resumed_crawl_asks_only_the_parts_not_yet_done(tmp_path: Path) -> None:
    """The split is kept in the checkpoint: a crawl stopped with one part failed goes on with that
    part alone, not with the whole window again."""
    first = [
        fr_route("2024-01-01", "2024-01-02", 10_000, [fr_doc("2024-00001", "2024-01-01")]),
        fr_route("2024-01-01", "2024-01-01", 1, [fr_doc("2024-00001", "2024-01-01")]),
        {"path": "/documents.json", "status": 500, "text": "down",
         "match": {"conditions[publication_date][gte]": "2024-01-02"}},
    ]  # fmt: skip
    summary, ids, _, _ = crawl(
        tmp_path, "policy_federal_register", first, D(2024, 1, 1), D(2024, 1, 2)
    )
    assert summary["finished"] is False and summary["chains_failed"] == [
        "quantum@2024-01-02..2024-01-02"
    ]
    assert ids == ["fr:2024-00001"]
    second = [fr_route("2024-01-02", "2024-01-02", 1, [fr_doc("2024-00002", "2024-01-02")])]
    summary, ids, server, _ = crawl(
        tmp_path, "policy_federal_register", second, D(2024, 1, 1), D(2024, 1, 2)
    )
    assert [parse_qs(urlsplit(r[1]).query)["conditions[publication_date][gte]"] for r in server.requests] == [
        ["2024-01-02"]]  # fmt: skip
    assert summary["finished"] is True and ids == ["fr:2024-00001", "fr:2024-00002"]
    assert summary["coverage"] | {"queries_planned": 1, "windows_split": 1, "windows": 2,
                                  "windows_complete": 2, "windows_failed": 0} == summary["coverage"]  # fmt: skip
