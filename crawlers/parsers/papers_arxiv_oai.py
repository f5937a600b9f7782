"""arXiv OAI-PMH `ListRecords` / `GetRecord` (oai_dc) pages → paper records."""

from __future__ import annotations

from typing import Any

from lxml import etree

from crawlers.parsers.base import ParseContext, ParseError, ParseResult
from crawlers.parsers.common import load_xml, to_date
from crawlers.parsers.papers_arxiv import fold, normalize_arxiv_id, paper_ids

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"o": OAI, "dc": "http://purl.org/dc/elements/1.1/"}

#: arXiv archives named in oai_dc subjects as "<archive name> - <category name>".
_ARCHIVES: dict[str, tuple[str, str, dict[str, str]]] = {
    # archive name: (archive id, separator before the category suffix, {category name: suffix})
    "Computer Science": (
        "cs",
        ".",
        {
            "Artificial Intelligence": "AI",
            "Hardware Architecture": "AR",
            "Computational Complexity": "CC",
            "Computational Engineering, Finance, and Science": "CE",
            "Computational Geometry": "CG",
            "Computation and Language": "CL",
            "Cryptography and Security": "CR",
            "Computer Vision and Pattern Recognition": "CV",
            "Computers and Society": "CY",
            "Databases": "DB",
            "Distributed, Parallel, and Cluster Computing": "DC",
            "Digital Libraries": "DL",
            "Discrete Mathematics": "DM",
            "Data Structures and Algorithms": "DS",
            "Emerging Technologies": "ET",
            "Formal Languages and Automata Theory": "FL",
            "General Literature": "GL",
            "Graphics": "GR",
            "Computer Science and Game Theory": "GT",
            "Human-Computer Interaction": "HC",
            "Information Retrieval": "IR",
            "Information Theory": "IT",
            "Machine Learning": "LG",
            "Logic in Computer Science": "LO",
            "Multiagent Systems": "MA",
            "Multimedia": "MM",
            "Mathematical Software": "MS",
            "Numerical Analysis": "NA",
            "Neural and Evolutionary Computing": "NE",
            "Networking and Internet Architecture": "NI",
            "Other Computer Science": "OH",
            "Operating Systems": "OS",
            "Performance": "PF",
            "Programming Languages": "PL",
            "Robotics": "RO",
            "Symbolic Computation": "SC",
            "Sound": "SD",
            "Software Engineering": "SE",
            "Social and Information Networks": "SI",
            "Systems and Control": "SY",
        },
    ),
    "Mathematics": (
        "math",
        ".",
        {
            "Commutative Algebra": "AC",
            "Algebraic Geometry": "AG",
            "Analysis of PDEs": "AP",
            "Algebraic Topology": "AT",
            "Classical Analysis and ODEs": "CA",
            "Combinatorics": "CO",
            "Category Theory": "CT",
            "Complex Variables": "CV",
            "Differential Geometry": "DG",
            "Dynamical Systems": "DS",
            "Functional Analysis": "FA",
            "General Mathematics": "GM",
            "General Topology": "GN",
            "Group Theory": "GR",
            "Geometric Topology": "GT",
            "History and Overview": "HO",
            "Information Theory": "IT",
            "K-Theory and Homology": "KT",
            "Logic": "LO",
            "Metric Geometry": "MG",
            "Mathematical Physics": "MP",
            "Numerical Analysis": "NA",
            "Number Theory": "NT",
            "Operator Algebras": "OA",
            "Optimization and Control": "OC",
            "Probability": "PR",
            "Quantum Algebra": "QA",
            "Rings and Algebras": "RA",
            "Representation Theory": "RT",
            "Symplectic Geometry": "SG",
            "Spectral Theory": "SP",
            "Statistics Theory": "ST",
        },
    ),
    "Physics": (
        "physics",
        ".",
        {
            "Accelerator Physics": "acc-ph",
            "Atmospheric and Oceanic Physics": "ao-ph",
            "Applied Physics": "app-ph",
            "Atomic and Molecular Clusters": "atm-clus",
            "Atomic Physics": "atom-ph",
            "Biological Physics": "bio-ph",
            "Chemical Physics": "chem-ph",
            "Classical Physics": "class-ph",
            "Computational Physics": "comp-ph",
            "Data Analysis, Statistics and Probability": "data-an",
            "Physics Education": "ed-ph",
            "Fluid Dynamics": "flu-dyn",
            "General Physics": "gen-ph",
            "Geophysics": "geo-ph",
            "History and Philosophy of Physics": "hist-ph",
            "Instrumentation and Detectors": "ins-det",
            "Medical Physics": "med-ph",
            "Optics": "optics",
            "Plasma Physics": "plasm-ph",
            "Popular Physics": "pop-ph",
            "Physics and Society": "soc-ph",
            "Space Physics": "space-ph",
        },
    ),
    "Condensed Matter": (
        "cond-mat",
        ".",
        {
            "Disordered Systems and Neural Networks": "dis-nn",
            "Mesoscale and Nanoscale Physics": "mes-hall",
            "Materials Science": "mtrl-sci",
            "Other Condensed Matter": "other",
            "Quantum Gases": "quant-gas",
            "Soft Condensed Matter": "soft",
            "Statistical Mechanics": "stat-mech",
            "Strongly Correlated Electrons": "str-el",
            "Superconductivity": "supr-con",
        },
    ),
    "Astrophysics": (
        "astro-ph",
        ".",
        {
            "Cosmology and Nongalactic Astrophysics": "CO",
            "Earth and Planetary Astrophysics": "EP",
            "Astrophysics of Galaxies": "GA",
            "High Energy Astrophysical Phenomena": "HE",
            "Instrumentation and Methods for Astrophysics": "IM",
            "Solar and Stellar Astrophysics": "SR",
        },
    ),
    "Nonlinear Sciences": (
        "nlin",
        ".",
        {
            "Adaptation and Self-Organizing Systems": "AO",
            "Chaotic Dynamics": "CD",
            "Cellular Automata and Lattice Gases": "CG",
            "Pattern Formation and Solitons": "PS",
            "Exactly Solvable and Integrable Systems": "SI",
        },
    ),
    "Quantitative Biology": (
        "q-bio",
        ".",
        {
            "Biomolecules": "BM",
            "Cell Behavior": "CB",
            "Genomics": "GN",
            "Molecular Networks": "MN",
            "Neurons and Cognition": "NC",
            "Other Quantitative Biology": "OT",
            "Populations and Evolution": "PE",
            "Quantitative Methods": "QM",
            "Subcellular Processes": "SC",
            "Tissues and Organs": "TO",
        },
    ),
    "Quantitative Finance": (
        "q-fin",
        ".",
        {
            "Computational Finance": "CP",
            "Economics": "EC",
            "General Finance": "GN",
            "Mathematical Finance": "MF",
            "Portfolio Management": "PM",
            "Pricing of Securities": "PR",
            "Risk Management": "RM",
            "Statistical Finance": "ST",
            "Trading and Market Microstructure": "TR",
        },
    ),
    "Statistics": (
        "stat",
        ".",
        {
            "Applications": "AP",
            "Computation": "CO",
            "Methodology": "ME",
            "Machine Learning": "ML",
            "Other Statistics": "OT",
            "Statistics Theory": "TH",
        },
    ),
    "Electrical Engineering and Systems Science": (
        "eess",
        ".",
        {
            "Audio and Speech Processing": "AS",
            "Image and Video Processing": "IV",
            "Signal Processing": "SP",
            "Systems and Control": "SY",
        },
    ),
    "Economics": (
        "econ",
        ".",
        {"Econometrics": "EM", "General Economics": "GN", "Theoretical Economics": "TH"},
    ),
}
#: Archives that are categories themselves (no "<archive> - " prefix in the subject).
_STANDALONE = {
    "General Relativity and Quantum Cosmology": "gr-qc",
    "High Energy Physics - Experiment": "hep-ex",
    "High Energy Physics - Lattice": "hep-lat",
    "High Energy Physics - Phenomenology": "hep-ph",
    "High Energy Physics - Theory": "hep-th",
    "Mathematical Physics": "math-ph",
    "Nuclear Experiment": "nucl-ex",
    "Nuclear Theory": "nucl-th",
    "Quantum Physics": "quant-ph",
}
#: OAI setSpecs that name a single category (`physics:quant-ph`); others (`cs`) are whole archives.
_SET_CATEGORIES = set(_STANDALONE.values())


def subject_category(subject: str) -> str | None:
    """arXiv category code for an oai_dc subject name, or None (MSC/ACM classes, archive-only names)."""
    name = fold(subject)
    if name in _STANDALONE:
        return _STANDALONE[name]
    archive_name, sep, category_name = name.partition(" - ")
    if not sep or archive_name not in _ARCHIVES:
        return None
    archive, dot, categories = _ARCHIVES[archive_name]
    suffix = categories.get(category_name)
    return f"{archive}{dot}{suffix}" if suffix else None


def set_category(set_spec: str) -> str | None:
    """The category a setSpec names when it names exactly one (`physics:quant-ph` → `quant-ph`)."""
    last = set_spec.strip().rsplit(":", 1)[-1]
    return last if last in _SET_CATEGORIES else None


def _record_fields(record: etree._Element) -> dict[str, Any]:
    header = record.find("o:header", namespaces=NS)
    identifier = (
        (header.findtext("o:identifier", namespaces=NS) or "") if header is not None else ""
    )
    dc = record.find("o:metadata/*", namespaces=NS)
    if dc is None:
        raise ValueError("record has no metadata")
    dc_identifiers = [fold(x.text) for x in dc.iterfind("dc:identifier", namespaces=NS)]
    arxiv_id = normalize_arxiv_id(identifier) or next(
        (a for a in (normalize_arxiv_id(x) for x in dc_identifiers if "arxiv.org/" in x) if a), None
    )
    if not arxiv_id:
        raise ValueError(f"identifier {identifier.strip()[:80]!r} is not an arXiv id")
    dois = [x for x in dc_identifiers if x.lower().startswith("doi:")]
    record_id, ids = paper_ids(dois, [arxiv_id])
    subjects = [fold(x.text) for x in dc.iterfind("dc:subject", namespaces=NS) if fold(x.text)]
    sets = [fold(x.text) for x in header.iterfind("o:setSpec", namespaces=NS)]
    categories = [c for c in (subject_category(s) for s in subjects) if c]
    categories += [c for c in (set_category(s) for s in sets) if c]
    abstract = [
        fold(x.text)
        for x in dc.iterfind("dc:description", namespaces=NS)
        if fold(x.text) and not fold(x.text).startswith("Comment:")
    ]
    dates = sorted(d for d in (to_date(x.text) for x in dc.iterfind("dc:date", namespaces=NS)) if d)
    journal_refs = [x for x in dc_identifiers if x and not x.lower().startswith(("doi:", "http"))]
    extra = {"oai_sets": sets, "journal_ref": journal_refs[0] if journal_refs else None}
    return {
        "record_id": record_id,
        "ids": ids,
        "kind": "paper",
        "title": fold(dc.findtext("dc:title", namespaces=NS)),
        "text": " ".join(abstract),
        "language": "en",
        "published_date": dates[0] if dates else None,
        "codes": {
            "arxiv": list(dict.fromkeys(categories)),
            "topics": list(dict.fromkeys(subjects)),
        },
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "extra": {k: v for k, v in extra.items() if v},
    }


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Parse one OAI-PMH page; the next page is the resumptionToken (None when absent or empty)."""
    root = load_xml(body)
    if root.tag != f"{{{OAI}}}OAI-PMH":
        raise ParseError(
            f"not an OAI-PMH response: root element is {etree.QName(root).localname!r}"
        )
    error = root.find("o:error", namespaces=NS)
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return ParseResult(total=0)
        raise ParseError(f"OAI-PMH error {code or 'unknown'}: {fold(error.text)}")
    container = root.find("o:ListRecords", namespaces=NS)
    if container is None:
        container = root.find("o:GetRecord", namespaces=NS)
    if container is None:
        verb = next(
            (
                etree.QName(c).localname
                for c in root
                if etree.QName(c).localname not in ("responseDate", "request")
            ),
            "nothing",
        )
        raise ParseError(f"OAI-PMH response holds {verb}, not ListRecords or GetRecord metadata")
    result = ParseResult()
    for record in container.iterfind("o:record", namespaces=NS):
        header = record.find("o:header", namespaces=NS)
        item = (
            (header.findtext("o:identifier", namespaces=NS) or "").strip()
            if header is not None
            else ""
        )
        if header is None:
            result.reject(ctx, "record has no header")
            continue
        if header.get("status") == "deleted":
            result.reject(ctx, "record deleted in the repository", item=item or None)
            continue
        try:
            fields = _record_fields(record)
        except ValueError as exc:
            result.reject(ctx, str(exc), item=item or None)
            continue
        result.add(fields, ctx)
    token = container.find("o:resumptionToken", namespaces=NS)
    if token is not None:
        result.next_page = fold(token.text) or None
        size = token.get("completeListSize")
        result.total = int(size) if size and size.isdigit() else None
    return result


parse_oai_page = parse
