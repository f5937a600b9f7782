"""Shortest-path betweenness of a weighted graph, exact: networkx's Brandes on adjacency lists."""

from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Any

import networkx as nx


def betweenness(g: nx.Graph, *, weight: str, k: int | None, seed: int) -> dict[Any, float]:
    """Normalised betweenness centrality, as `nx.betweenness_centrality(g, k=k, weight=weight,
    seed=seed)` gives it (Brandes 2001), value for value.

    Every source's Dijkstra runs step for step as networkx's (same adjacency order, same heap
    ties, the same float operations in the same order), so the result is identical; only the
    graph views and the per-edge weight callback, most of its cost, are gone. Sampled sources
    (`k` below the node count) are left to networkx.
    """
    if k is not None and k != len(g):
        return nx.betweenness_centrality(g, k=k, weight=weight, seed=seed)
    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    adj = [[(index[w], data.get(weight, 1)) for w, data in g[v].items()] for v in nodes]
    total = [0.0] * len(nodes)
    for s in range(len(nodes)):
        order, preds, sigma = _dijkstra(adj, s)
        _accumulate(total, order, preds, sigma, s)
    n = len(nodes) - 1  # pairs exclude the node itself (endpoints are not counted)
    if n >= 2:
        scale = 1 / (n * (n - 1))
        if scale != 1:
            total = [b * scale for b in total]
    return dict(zip(nodes, total, strict=True))


def _dijkstra(adj: list[list[tuple[int, float]]], s: int) -> tuple[list, list, list]:
    """Nodes in order of distance, their shortest-path predecessors and path counts from `s`."""
    order: list[int] = []
    preds: list[list[int]] = [[] for _ in adj]
    sigma = [0.0] * len(adj)
    dist: dict[int, Any] = {}
    sigma[s] = 1.0
    seen: dict[int, Any] = {s: 0}
    c = count()
    queue: list[tuple[Any, int, int, int]] = [(0, next(c), s, s)]
    while queue:
        d, _, pred, v = heappop(queue)
        if v in dist:
            continue
        sigma[v] += sigma[pred]
        order.append(v)
        dist[v] = d
        for w, cost in adj[v]:
            vw = d + cost
            if w not in dist and (w not in seen or vw < seen[w]):
                seen[w] = vw
                heappush(queue, (vw, next(c), v, w))
                sigma[w] = 0.0
                preds[w] = [v]
            elif vw == seen[w]:  # an equally short path
                sigma[w] += sigma[v]
                preds[w].append(v)
    return order, preds, sigma


def _accumulate(total: list[float], order: list[int], preds: list, sigma: list, s: int) -> None:
    """Add each node's dependency on `s` (Brandes's back-propagation) to `total`."""
    delta = dict.fromkeys(order, 0)
    while order:
        w = order.pop()
        coeff = (1 + delta[w]) / sigma[w]
        for v in preds[w]:
            delta[v] += sigma[v] * coeff
        if w != s:
            total[w] += delta[w]
