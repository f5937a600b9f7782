"""Betweenness on adjacency lists equals networkx's, value for value."""

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.centrality import betweenness


@st.composite
def weighted_graphs(draw: st.DrawFn) -> nx.Graph:
    """Graphs of string nodes whose edges carry co-occurrence counts (ties in distance likely)."""
    n = draw(st.integers(3, 25))
    names = [f"t{draw(st.integers(0, 999))}_{i}" for i in range(n)]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    kept = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    g = nx.Graph()
    g.add_nodes_from(names)
    for a, b in kept:
        w = float(draw(st.sampled_from([1, 2, 3, 4, 6, 12])))
        g.add_edge(a, b, weight=w, distance=1.0 / w)
    return g


@settings(max_examples=60, deadline=None)
@given(weighted_graphs())
def test_exact_betweenness_equals_networkx(g: nx.Graph) -> None:
    expected = nx.betweenness_centrality(g, weight="distance", seed=3)
    assert betweenness(g, weight="distance", k=None, seed=3) == expected


def test_sampled_betweenness_equals_networkx() -> None:
    g = nx.les_miserables_graph()
    for _, _, data in g.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    expected = nx.betweenness_centrality(g, k=20, weight="distance", seed=5)
    assert betweenness(g, weight="distance", k=20, seed=5) == expected


def test_a_path_counts_its_middle() -> None:
    g = nx.path_graph(["a", "b", "c"])
    nx.set_edge_attributes(g, 1.0, "distance")
    assert betweenness(g, weight="distance", k=None, seed=0) == {"a": 0.0, "b": 1.0, "c": 0.0}
