"""Disjoint sets with path compression: the groups of identifiers or parts that links tie together."""

from __future__ import annotations

from collections.abc import Hashable


class UnionFind:
    """Groups of hashable nodes; a node not seen yet is a group of its own."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, node: Hashable) -> Hashable:
        """Gives the representative of the node's group."""
        root = self.parent.setdefault(node, node)
        while root != self.parent[root]:
            root = self.parent[root]
        while node != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, root: Hashable, child: Hashable) -> None:
        """Puts the group of `child` under the representative `root` (both must be representatives)."""
        self.parent[child] = root

    def union(self, a: Hashable, b: Hashable) -> None:
        """Merges the groups of a and b; the smaller representative stays."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.join(min(ra, rb), max(ra, rb))
