"""Patent parsers: EPO OPS XML, USPTO bulk XML, USPTO public search JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from crawlers.parsers import patents_epo_ops, patents_uspto_bulk, patents_uspto_ppubs
from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.patent_common import normalise_symbol, patent_id


def run(module, body: bytes, **kwargs) -> ParseResult:
    return module.parse(
        body, ParseContext.for_body(module.__name__.rsplit(".", 1)[1], body, **kwargs)
    )


def weights(record) -> dict[str, float]:
    return {c.country: round(c.weight, 4) for c in record.countries}


# --- literal bodies in the real formats ----------------------------------------------------------

EPO_BIBLIO = """<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
 <exchange-documents>
  <exchange-document system="ops.epo.org" family-id="42" country="JP" doc-number="2020123456" kind="A">
   <bibliographic-data>
    <publication-reference>
     <document-id document-id-type="docdb"><country>JP</country><doc-number>2020123456</doc-number>
      <kind>A</kind><date>20200820</date></document-id>
     <document-id document-id-type="epodoc"><doc-number>JP2020123456</doc-number></document-id>
    </publication-reference>
    <classifications-ipcr>
     <classification-ipcr sequence="1"><text>H01L  21/    02            A I</text></classification-ipcr>
    </classifications-ipcr>
    <patent-classifications>
     <patent-classification sequence="1">
      <classification-scheme office="EP" scheme="CPCI"/><section>G</section><class>06</class>
      <subclass>N</subclass><main-group>10</main-group><subgroup>20</subgroup>
     </patent-classification>
    </patent-classifications>
    <application-reference><document-id document-id-type="epodoc"><doc-number>JP20190001</doc-number>
     <date>20190301</date></document-id></application-reference>
    <priority-claims>
     <priority-claim sequence="1"><document-id document-id-type="epodoc"><doc-number>JP20180002</doc-number>
      <date>20180315</date></document-id></priority-claim>
     <priority-claim sequence="2"><document-id document-id-type="epodoc"><doc-number>US20180003</doc-number>
      <date>20180601</date></document-id></priority-claim>
    </priority-claims>
    <parties>
     <applicants>
      <applicant sequence="1" data-format="epodoc"><applicant-name><name>TOSHIBA CORP [JP]</name></applicant-name></applicant>
      <applicant sequence="1" data-format="original"><applicant-name><name>Toshiba Corporation</name></applicant-name></applicant>
     </applicants>
     <inventors>
      <inventor sequence="1" data-format="epodoc"><inventor-name><name>SATO TARO [JP]</name></inventor-name></inventor>
      <inventor sequence="2" data-format="epodoc"><inventor-name><name>SATO HANAKO [JP]</name></inventor-name></inventor>
      <inventor sequence="3" data-format="epodoc"><inventor-name><name>SMITH JOHN [US]</name></inventor-name></inventor>
      <inventor sequence="1" data-format="original"><inventor-name><name>Sato, Taro</name></inventor-name></inventor>
     </inventors>
    </parties>
    <invention-title lang="ja">量子計算機</invention-title>
    <invention-title lang="en">Quantum computer</invention-title>
   </bibliographic-data>
   <abstract lang="en"><p>A qubit array.</p></abstract>
  </exchange-document>
 </exchange-documents>
</ops:world-patent-data>""".encode()

EPO_SEARCH = b"""<?xml version="1.0" encoding="UTF-8"?>
<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">
 <ops:biblio-search total-result-count="60">
  <ops:query syntax="CQL">cpc=G06N10</ops:query>
  <ops:range begin="1" end="25"/>
  <ops:search-result>
   <ops:publication-reference family-id="7"><document-id document-id-type="docdb">
    <country>EP</country><doc-number>1000000</doc-number><kind>A1</kind></document-id>
   </ops:publication-reference>
  </ops:search-result>
 </ops:biblio-search>
</ops:world-patent-data>"""


def test_epo_biblio_literal_fields():
    result = run(patents_epo_ops, EPO_BIBLIO)
    assert result.rejects == []
    (rec,) = result.records
    assert rec.record_id == "patent:JP2020123456A"
    assert rec.title == "Quantum computer" and rec.language == "en"
    assert rec.text == "A qubit array."
    assert rec.published_date == dt.date(2018, 3, 15)
    assert weights(rec) == {"JP": 0.6667, "US": 0.3333}
    assert rec.organizations == ["TOSHIBA CORP"]
    assert rec.codes.cpc == ["G06N10/20"] and rec.codes.ipc == ["H01L21/02"]
    assert {"family:42", "epodoc:JP2020123456", "application:JP20190001"} <= set(rec.ids)
    assert rec.extra["publication_date"] == "2020-08-20"


def test_epo_applicant_countries_when_no_inventor_country():
    body = EPO_BIBLIO.replace(b" [JP]</name></inventor", b"</name></inventor").replace(
        b" [US]</name></inventor", b"</name></inventor"
    )
    (rec,) = run(patents_epo_ops, body).records
    assert weights(rec) == {"JP": 1.0}


@pytest.mark.parametrize(
    ("begin", "end", "total", "expected"),
    [
        (1, 25, 60, "26-50"),
        (26, 50, 60, "51-60"),
        (51, 60, 60, None),
        (1, 100, 10000, "101-200"),
        (1901, 2000, 10000, None),
    ],
)
def test_epo_search_paging(begin, end, total, expected):
    body = EPO_SEARCH.replace(
        b'begin="1" end="25"', f'begin="{begin}" end="{end}"'.encode()
    ).replace(b'total-result-count="60"', f'total-result-count="{total}"'.encode())
    result = run(
        patents_epo_ops, body, url="https://ops.epo.org/3.2/rest-services/published-data/search?q=x"
    )
    assert (result.total, result.next_page) == (total, expected)
    assert result.records == []
    assert result.follow == [
        "https://ops.epo.org/3.2/rest-services/published-data/publication/docdb/EP.1000000.A1/biblio"
    ]


def test_epo_error_bodies():
    fault = b'<?xml version="1.0"?><fault xmlns="http://ops.epo.org"><code>CLIENT.InvalidQuery</code><message>bad</message></fault>'
    with pytest.raises(ParseError, match=r"CLIENT\.InvalidQuery"):
        run(patents_epo_ops, fault)
    with pytest.raises(ParseError, match="malformed XML"):
        run(patents_epo_ops, EPO_BIBLIO[: len(EPO_BIBLIO) // 2])
    with pytest.raises(ParseError):
        run(patents_epo_ops, b"<!DOCTYPE html><html><body>Service unavailable</body></html>")


def test_normalise_symbols_and_ids():
    assert normalise_symbol("H01L 21/02") == "H01L21/02"
    assert normalise_symbol("C10L   1/    00            A I") == "C10L1/00"
    assert normalise_symbol("H01J001/62") == "H01J1/62"
    assert normalise_symbol("B32B  302") == "B32B3/02"
    assert normalise_symbol("G06F 1516") == "G06F15/16"
    assert normalise_symbol("E03C 104") == "E03C1/04"  # ST.32 with its padding lost
    assert normalise_symbol("1402") is None
    assert patent_id("US", "08926509", "B2") == "patent:US8926509B2"
    assert patent_id("US", "D0435854", "S1") == "patent:USD435854S1"
    assert patent_id("US", "20050004437", "A1") == "patent:US20050004437A1"


USPTO_GRANT = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>
<us-patent-grant lang="EN" dtd-version="v4.5 2014-04-03" country="US">
<us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>0{num}</doc-number><kind>B2</kind><date>20150106</date></document-id></publication-reference>
<application-reference appl-type="utility"><document-id><country>US</country><doc-number>13349377</doc-number><date>20120112</date></document-id></application-reference>
<priority-claims><priority-claim sequence="01" kind="national"><country>JP</country><doc-number>2008-1</doc-number><date>20080605</date></priority-claim></priority-claims>
<classifications-ipcr><classification-ipcr><section>H</section><class>05</class><subclass>B</subclass><main-group>33</main-group><subgroup>14</subgroup></classification-ipcr></classifications-ipcr>
<classifications-cpc><main-cpc><classification-cpc><section>C</section><class>07</class><subclass>D</subclass><main-group>493</main-group><subgroup>04</subgroup></classification-cpc></main-cpc></classifications-cpc>
<invention-title id="d2e1">Organic {title} device</invention-title>
<us-parties><inventors>
<inventor sequence="001"><addressbook><last-name>Kato</last-name><address><city>Chiba</city><country>JP</country></address></addressbook></inventor>
<inventor sequence="002"><addressbook><last-name>Smith</last-name><address><city>Austin</city><state>TX</state><country>US</country></address></addressbook></inventor>
</inventors></us-parties>
<assignees><assignee><addressbook><orgname>Idemitsu Kosan Co., Ltd.</orgname><role>03</role><address><city>Tokyo</city><country>JP</country></address></addressbook></assignee></assignees>
</us-bibliographic-data-grant>
<abstract id="abstract"><p id="p-0001">An organic EL &#x3bc;-device.</p></abstract>
</us-patent-grant>
"""


def two_grants() -> bytes:
    return (
        USPTO_GRANT.format(num="8927118", title="light")
        + USPTO_GRANT.format(num="8927119", title="dark")
    ).encode()


def test_uspto_concatenated_documents():
    result = run(patents_uspto_bulk, two_grants())
    assert [r.record_id for r in result.records] == ["patent:US8927118B2", "patent:US8927119B2"]
    rec = result.records[0]
    assert rec.title == "Organic light device"
    assert rec.text == "An organic EL μ-device."
    assert rec.published_date == dt.date(2008, 6, 5)
    assert weights(rec) == {"JP": 0.5, "US": 0.5}
    assert rec.organizations == ["Idemitsu Kosan Co., Ltd."]
    assert rec.codes.cpc == ["C07D493/04"] and rec.codes.ipc == ["H05B33/14"]
    assert rec.extra["assignee_countries"] == ["JP"] and rec.extra["filing_date"] == "2012-01-12"


def test_uspto_iter_documents_streams_plain_and_zip():
    docs = list(patents_uspto_bulk.iter_documents(io.BytesIO(two_grants())))
    assert len(docs) == 2 and all(d.startswith(b"<?xml") for d in docs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ipg150106.xml", two_grants())
    result = run(patents_uspto_bulk, buf.getvalue())
    assert [r.record_id for r in result.records] == ["patent:US8927118B2", "patent:US8927119B2"]


def test_uspto_one_bad_document_in_a_batch_keeps_the_others():
    body = two_grants() + b'<?xml version="1.0"?>\n<us-patent-grant><us-bibliographic-data-grant>\n'
    result = run(patents_uspto_bulk, body)
    assert len(result.records) == 2
    assert len(result.rejects) == 1 and "malformed XML" in result.rejects[0].reason


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def test_uspto_refuses_zip_slip_and_bombs():
    with pytest.raises(ParseError, match="unsafe path"):
        run(patents_uspto_bulk, zipped("../../etc/evil.xml", two_grants()))
    with pytest.raises(ParseError, match="compression ratio"):
        run(
            patents_uspto_bulk,
            zipped("bomb.xml", b"<?xml version='1.0'?>\n<a>" + b" " * 5_000_000 + b"</a>"),
        )


def test_uspto_entities_mapped_or_refused():
    pap = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE patent-application-publication SYSTEM "pap-v15-2001-01-31.dtd" [
<!ENTITY US1-D00001.TIF SYSTEM "US1-D00001.TIF" NDATA TIF>
]>
<patent-application-publication><subdoc-bibliographic-information>
<document-id><doc-number>20010000001</doc-number><kind-code>A1</kind-code><document-date>20010510</document-date></document-id>
<domestic-filing-data><application-number><doc-number>09727454</doc-number></application-number><filing-date>20001204</filing-date></domestic-filing-data>
<technical-information><classification-ipc><classification-ipc-primary><ipc>H01J001/62</ipc></classification-ipc-primary></classification-ipc>
<title-of-invention>Device &minus; with &lgr; &ldquo;quotes&rdquo;</title-of-invention></technical-information>
<inventors><first-named-inventor><name><family-name>Eida</family-name></name><residence><residence-non-us><country-code>JP</country-code></residence-non-us></residence></first-named-inventor></inventors>
</subdoc-bibliographic-information></patent-application-publication>"""
    (rec,) = run(patents_uspto_bulk, pap).records
    assert rec.record_id == "patent:US20010000001A1"
    assert rec.title == "Device \u2212 with \u03bb \u201cquotes\u201d"
    assert rec.codes.ipc == ["H01J1/62"] and weights(rec) == {"JP": 1.0}
    parsed_entity = pap.replace(b'SYSTEM "US1-D00001.TIF" NDATA TIF', b'"boom"')
    with pytest.raises(ParseError, match="parsed or parameter entities"):
        run(patents_uspto_bulk, parsed_entity)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE us-patent-grant [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<us-patent-grant><us-bibliographic-data-grant><invention-title>&xxe;</invention-title></us-bibliographic-data-grant></us-patent-grant>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ops:world-patent-data xmlns:ops="http://ops.epo.org"><x>&lol3;</x></ops:world-patent-data>"""


@pytest.mark.parametrize("module", [patents_epo_ops, patents_uspto_bulk])
@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_xml_refused_never_expanded(module, body):
    with pytest.raises(ParseError) as info:
        run(module, body)
    assert "root:" not in str(info.value) and "lollollol" not in str(info.value)


@pytest.mark.parametrize(
    "body", [b"", b"PATN\nWKU  039327094\n", b"<html><body>Error</body></html>"]
)
def test_uspto_unusable_bodies(body):
    with pytest.raises(ParseError):
        run(patents_uspto_bulk, body)


PPUBS = {
    "numFound": 3,
    "perPage": 2,
    "page": 0,
    "totalResults": 3,
    "error": None,
    "patents": [
        {
            "guid": "US-11556547-B2",
            "inventionTitle": 'Determination <span class="highlight">apparatus</span>',
            "cpcInventiveFlattened": "G06F16/24578;G06F16/248",
            "ipcCodeFlattened": "G06F16/2457",
            "assigneeName": ["Yahoo Japan Corporation"],
            "inventorCountry": ["JP", "N/A"],
            "inventorState": ["N/A", "CA"],
            "applicationFilingDate": ["2021-03-10T00:00:00Z"],
            "priorityClaimsDate": ["2020-03-19T00:00:00Z"],
            "datePublished": "2023-01-17T00:00:00Z",
            "abstractHtml": "A device <br />that determines.",
            "applicationNumber": "17/197933",
            "languageIndicator": "EN",
        },
        {"guid": "not-a-guid", "inventionTitle": "x"},
    ],
}


def test_ppubs_literal_page():
    result = run(patents_uspto_ppubs, json.dumps(PPUBS).encode())
    (rec,) = result.records
    assert rec.record_id == "patent:US11556547B2"
    assert rec.title == "Determination apparatus" and rec.text == "A device that determines."
    assert rec.published_date == dt.date(2020, 3, 19)
    assert weights(rec) == {"JP": 0.5, "US": 0.5}
    assert rec.codes.cpc == ["G06F16/24578", "G06F16/248"] and rec.codes.ipc == ["G06F16/2457"]
    assert "application:US17197933" in rec.ids
    assert (result.total, result.next_page) == (3, "2")
    assert len(result.rejects) == 1 and "guid" in result.rejects[0].reason


@pytest.mark.parametrize(
    "body", [b'{"patents": [', b"<!DOCTYPE html><html>500</html>", b'{"error": "quota"}']
)
def test_ppubs_unusable_bodies(body):
    with pytest.raises(ParseError):
        run(patents_uspto_ppubs, body)


# --- recorded responses --------------------------------------------------------------------------


def patents_dir(shared_data: Path) -> Path:
    return shared_data / "fixtures" / "patents"


def test_epo_recorded_biblio(shared_data):
    epo = patents_dir(shared_data) / "epo_ops"
    (rec,) = run(
        patents_epo_ops, (epo / "decoded_cassettes/test_doc_example_biblio__00.xml").read_bytes()
    ).records
    assert rec.record_id == "patent:EP1000000A1"
    assert rec.title.startswith("Apparatus for manufacturing green bricks")
    assert rec.published_date == dt.date(1998, 11, 12)
    assert weights(rec) == {"NL": 1.0}
    assert rec.organizations == ["BOER BEHEER NIJMEGEN BV DE"]
    assert rec.codes.ipc == ["B28B1/29", "B28B5/02", "B28B7/00", "H02P6/08"]
    assert "B28B1/29" in rec.codes.cpc
    assert {"family:19768124", "epodoc:EP1000000"} <= set(rec.ids)
    (wo,) = run(
        patents_epo_ops, (epo / "decoded_cassettes/test_get_biblio_from_wo__00.xml").read_bytes()
    ).records
    assert wo.record_id == "patent:WO2009085664A2" and wo.organizations == ["MICROSOFT CORP"]
    assert wo.extra["applicant_countries"] == ["US"] and weights(wo) == {"US": 1.0}
    assert wo.codes.cpc[:2] == ["G06F16/24578", "G06F16/248"]
    assert wo.published_date == dt.date(2007, 12, 27)


def test_epo_recorded_all_files_handled(shared_data):
    epo = patents_dir(shared_data) / "epo_ops"
    records, rejects, refused = {}, 0, 0
    for path in sorted(epo.glob("*/*.xml")):
        try:
            result = run(patents_epo_ops, path.read_bytes())
        except ParseError:
            refused += 1
            continue
        records |= {r.record_id: r for r in result.records}
        rejects += len(result.rejects)
    assert all(
        r.codes.cpc and r.codes.ipc for r in records.values() if r.record_id != "patent:CA3237996A1"
    )
    assert set(records) >= {
        "patent:EP1000000A1",
        "patent:EP1000000B1",
        "patent:WO2020081771A1",
        "patent:US2012116137A1",
    }
    assert rejects == 4  # JP2005533465A (twice) and the abstract-only reply carry no title
    assert refused == 8  # family, legal, claims and description replies


def test_epo_recorded_search_paging(shared_data):
    body = (patents_dir(shared_data) / "epo_ops/decoded_cassettes/test_search__00.xml").read_bytes()
    result = run(patents_epo_ops, body)
    assert (result.total, result.next_page, len(result.follow)) == (10000, "101-200", 100)
    small = run(
        patents_epo_ops,
        (patents_dir(shared_data) / "epo_ops/xml/published__search_example.xml").read_bytes(),
    )
    assert (small.total, small.next_page, len(small.follow)) == (15, None, 15)


def test_uspto_recorded_grants_v45(shared_data):
    bulk = patents_dir(shared_data) / "uspto_bulk_xml"
    (rec,) = run(patents_uspto_bulk, (bulk / "xml2014__US08927118.xml").read_bytes()).records
    assert rec.record_id == "patent:US8927118B2"
    assert rec.codes.cpc[:3] == ["C07D493/04", "C07D487/04", "C07D519/00"]
    assert rec.extra["assignee_countries"] == ["JP"] and rec.organizations == [
        "Idemitsu Kosan Co., Ltd."
    ]
    assert rec.published_date == dt.date(2008, 6, 5)
    (ibm,) = run(patents_uspto_bulk, (bulk / "xml2014__US08930553.xml").read_bytes()).records
    assert weights(ibm) == {"IL": 0.6667, "US": 0.3333}
    assert ibm.extra["assignee_countries"] == ["US"] and ibm.codes.ipc == ["G06F15/16"]
    (hmicro,) = run(patents_uspto_bulk, (bulk / "xml2014__US08926509.xml").read_bytes()).records
    assert hmicro.codes.cpc[0] == "A61B5/0205" and hmicro.extra["assignee_countries"] == ["US"]


def test_uspto_recorded_pre_grant_and_sgml(shared_data):
    bulk = patents_dir(shared_data) / "uspto_bulk_xml"
    outcomes = {}
    for path in sorted(bulk.glob("*")):
        try:
            result = run(patents_uspto_bulk, path.read_bytes())
            outcomes[path.name] = [r.record_id for r in result.records] or [
                x.reason for x in result.rejects
            ]
        except ParseError as exc:
            outcomes[path.name] = str(exc)
    assert outcomes["pap__US20010000943A1.xml"] == ["patent:US20010000943A1"]
    assert outcomes["sgml__US06336130.xml"] == ["patent:US6336130B1"]
    assert outcomes["sgml__USD435854S1.xml"] == ["patent:USD435854S"]
    assert outcomes["greenbook__US03932709.greenbook"] == "APS green-book text format is not parsed"
    assert outcomes["cpcScheme__cpc-scheme-A01L.xml"].startswith("unsupported bulk document")
    (sgml,) = run(patents_uspto_bulk, (bulk / "sgml__US06337117.xml").read_bytes()).records
    assert sgml.codes.ipc == ["B32B3/02"] and weights(sgml) == {"JP": 1.0}
    (pap,) = run(patents_uspto_bulk, (bulk / "pap__US20010000943A1.xml").read_bytes()).records
    assert "Min\u221220 nm" in pap.text and weights(pap) == {"JP": 1.0}


def test_ppubs_recorded(shared_data):
    ppubs = patents_dir(shared_data) / "uspto_ppubs"
    full = run(patents_uspto_ppubs, (ppubs / "ppubs_documents_full.json").read_bytes())
    assert len(full.records) == 31 and full.rejects == []
    by_id = {r.record_id: r for r in full.records}
    yahoo = by_id["patent:US11556547B2"]
    assert yahoo.organizations == ["Yahoo Japan Corporation"] and weights(yahoo) == {"JP": 1.0}
    assert yahoo.published_date == dt.date(2020, 3, 19) and yahoo.text
    sg = by_id["patent:US11557320B1"]
    assert weights(sg) == {"US": 1.0} and sg.extra["assignee_countries"] == ["SG"]
    assert by_id["patent:US6103599A"].codes.cpc == ["H01L21/30604", "H01L21/76254", "Y10S438/977"]
    pages = [
        "ppubs_search_biblio.json",
        "ppubs_search_test_pages__01.json",
        "ppubs_search_test_can_get_forward_references__08.json",
        "ppubs_search_test_search_classification__03.json",
    ]
    counts = [len(run(patents_uspto_ppubs, (ppubs / p).read_bytes()).records) for p in pages]
    assert counts == [129, 500, 138, 39]
