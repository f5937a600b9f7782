"""Technology network: co-occurrence of TECH entities, Louvain communities, bridging technologies."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from horizon.config.weights import Weights
from scoring.bursts import detect_bursts
from scoring.centrality import betweenness
from scoring.inputs import sharing_label

NODE_COLUMNS = [
    "node_id", "level", "label_en", "label_ja", "domain", "n_records", "community",
    "betweenness", "burst_weight", "sigma", "sharing",
]  # fmt: skip
EDGE_COLUMNS = ["source_id", "target_id", "level", "weight", "sharing"]


def _pairs(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Distinct unordered pairs of `key` values within each record, with the record's level."""
    left = frame[["record_id", key, "sharing_level"]]
    both = left.merge(frame[["record_id", key]], on="record_id", suffixes=("_a", "_b"))
    both = both[both[f"{key}_a"] < both[f"{key}_b"]]
    return both.groupby([f"{key}_a", f"{key}_b"], as_index=False).agg(
        weight=("record_id", "size"), sharing_level=("sharing_level", "max")
    )


def build_network(
    entities: pd.DataFrame | None, units: pd.DataFrame, taxonomy: Taxonomy, cfg: Weights
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes (sub-technologies and domains) and edges (co-occurrence and domain convergence)."""
    empty = pd.DataFrame(columns=NODE_COLUMNS), pd.DataFrame(columns=EDGE_COLUMNS)
    if entities is None or entities.empty or "subtech" not in entities:
        return empty
    recs = units.drop_duplicates("record_id")[["record_id", "year", "sharing_level"]]
    tech = entities[entities["label"].astype("string") == "TECH"][
        ["record_id", "subtech", "domain"]
    ]
    tech = tech.dropna(subset=["subtech"]).astype({"record_id": "string", "subtech": "string"})
    tech = tech.merge(recs, on="record_id")  # only records this run may see
    if tech.empty:
        return empty
    sub_domain = {s.slug: d.slug for d in taxonomy.domains for s in d.subtechs}
    labels = {s.slug: (s.label_en, s.label_ja) for d in taxonomy.domains for s in d.subtechs}
    tech["domain"] = tech["subtech"].map(sub_domain).fillna(tech["domain"]).astype("string")
    per = tech.drop_duplicates(["record_id", "subtech"])
    nodes = per.groupby("subtech").agg(
        n_records=("record_id", "size"),
        sharing_level=("sharing_level", "max"),
        domain=("domain", "first"),
    )
    edges = _pairs(per, "subtech")
    edges = edges[edges["weight"] >= cfg.network.min_edge_records]

    g = nx.Graph()
    g.add_nodes_from(nodes.index)
    for a, b, w in edges[["subtech_a", "subtech_b", "weight"]].itertuples(index=False):
        g.add_edge(a, b, weight=float(w), distance=1.0 / float(w))
    seed = cfg.uncertainty.seed
    communities = nx.community.louvain_communities(g, weight="weight", seed=seed) if len(g) else []
    community = {
        n: i for i, c in enumerate(sorted(communities, key=lambda c: (-len(c), min(c)))) for n in c
    }
    # Brandes betweenness; sampled on large graphs (k sources, seeded).
    k = cfg.network.betweenness_k if len(g) > cfg.network.exact_betweenness_max else None
    between = betweenness(g, k=k, weight="distance", seed=seed) if len(g) > 2 else {}

    years = per[per["year"].notna()]
    lo, hi = (int(years["year"].min()), int(years["year"].max())) if len(years) else (0, -1)
    span = np.arange(lo, hi + 1)
    yearly = years.pivot_table(
        index="subtech", columns="year", values="record_id", aggfunc="size", fill_value=0
    )
    yearly = yearly.reindex(index=nodes.index, columns=span, fill_value=0).to_numpy(dtype="float64")
    total = years.drop_duplicates("record_id").groupby("year").size().reindex(span, fill_value=0)
    bursts = [
        detect_bursts(
            row, total.to_numpy(dtype="float64"), s=cfg.bursts.s, gamma=cfg.bursts.gamma
        ).weight
        for row in yearly
    ]
    bt = np.array([between.get(n, 0.0) for n in nodes.index])
    node_frame = pd.DataFrame(
        {
            "node_id": nodes.index.astype(str),
            "level": "subtech",
            "label_en": [labels.get(n, (n, n))[0] for n in nodes.index],
            "label_ja": [labels.get(n, (n, n))[1] for n in nodes.index],
            "domain": nodes["domain"].to_numpy(),
            "n_records": nodes["n_records"].to_numpy(dtype="int64"),
            "community": [community.get(n) for n in nodes.index],
            "betweenness": bt,
            "burst_weight": bursts,
            # CiteSpace sigma = (betweenness + 1)^burstness: pivotal and bursting nodes.
            "sigma": (bt + 1.0) ** np.asarray(bursts, dtype="float64"),
            "sharing": sharing_label(nodes["sharing_level"].to_numpy()),
        }
    )
    # Domains converge where their technologies meet in the same records.
    per_dom = tech.drop_duplicates(["record_id", "domain"])
    dom_nodes = per_dom.groupby("domain").agg(
        n_records=("record_id", "size"), sharing_level=("sharing_level", "max")
    )
    dom_frame = pd.DataFrame(
        {
            "node_id": "domain:" + dom_nodes.index.astype(str),
            "level": "domain",
            "label_en": [_dlabel(taxonomy, d, 0) for d in dom_nodes.index],
            "label_ja": [_dlabel(taxonomy, d, 1) for d in dom_nodes.index],
            "domain": dom_nodes.index.astype(str),
            "n_records": dom_nodes["n_records"].to_numpy(dtype="int64"),
            "sharing": sharing_label(dom_nodes["sharing_level"].to_numpy()),
        }
    )
    dom_edges = _pairs(per_dom, "domain")
    edge_frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "source_id": edges["subtech_a"].astype(str).to_numpy(),
                    "target_id": edges["subtech_b"].astype(str).to_numpy(),
                    "level": "subtech",
                    "weight": edges["weight"].astype("float64").to_numpy(),
                    "sharing": sharing_label(edges["sharing_level"].to_numpy()),
                }
            ),
            pd.DataFrame(
                {
                    "source_id": ("domain:" + dom_edges["domain_a"].astype(str)).to_numpy(),
                    "target_id": ("domain:" + dom_edges["domain_b"].astype(str)).to_numpy(),
                    "level": "domain",
                    "weight": dom_edges["weight"].astype("float64").to_numpy(),
                    "sharing": sharing_label(dom_edges["sharing_level"].to_numpy()),
                }
            ),
        ],
        ignore_index=True,
    )
    nodes_out = pd.concat([node_frame, dom_frame], ignore_index=True).reindex(columns=NODE_COLUMNS)
    return nodes_out, edge_frame.reindex(columns=EDGE_COLUMNS)


def _dlabel(taxonomy: Taxonomy, slug: str, which: int) -> str:
    try:
        d = taxonomy.domain(slug)
    except KeyError:
        return slug
    return d.label_en if which == 0 else d.label_ja
