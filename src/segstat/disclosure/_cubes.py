"""Secondary suppression by cubes: every primary cell gets a pattern that provably protects it.

A *move* along one dimension is a vector over the dimension's nodes, +1 at a given node, that keeps every
parent equal to the sum of its children: +1 on the node, on a chain of descendants down to a leaf and on the
path up to some ancestor ``u``, and -1 on a sibling of ``u`` with a chain of its descendants (or no sibling
at all when the path goes up to the total). The outer product of one move per dimension is a change of the
whole table that keeps every margin consistent. If every cell it touches is suppressed, an intruder cannot
tell the true table from the table moved by ``t`` for any ``t`` that keeps the inner cells non-negative, so
the primary cell can be ``t_up`` larger than it is, where ``t_up`` is the smallest inner cell that the move
decreases. Choosing, for every primary cell, the cheapest such cube (persons or value not yet suppressed)
whose ``t_up`` reaches the cell's protection level gives a pattern that is safe by construction: the union
of patterns keeps every cube's move possible. In two dimensions the cubes are the rectangles of the
classical cell suppression literature; the idea in any number of dimensions is the hypercube method of
Repsilber (GHMITER, in tau-Argus).

Each accepted cube is kept as a *certificate*: the change of the finest cells it stands for. Certificates
are checked against the published cells independently of how they were found (see ``certified_bounds``),
so the audit can use them without trusting this module.
"""

from __future__ import annotations

import heapq
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import ResourceLimitError
from ._model import Model
from ._table import Dimension

#: candidate descendant chains kept per node (smallest cells first)
_CHAINS = 2
#: how many levels with siblings a move may climb before it turns to a sibling
_UP_LEVELS = 1
#: moves kept per dimension (the cheapest on the cell's own line): bounds the candidate cubes of a cell in a
#: dimension with many categories and no hierarchy (a flat list of 290 kommuner would otherwise give 289)
_MAX_MOVES = 24
#: weight of a margin's persons in a cube's cost (inner cells 1). Lower weights hide fewer persons in inner
#: cells by hiding more margins (RegSO x age, real geography, protection 1: 0.3 with two levels up gives
#: 6,701 inner / 6,948 all cells against 6,811 / 6,854 at 1): every person counts the same here, so that
#: the information loss over all cells is what is minimised (issue 21)
_MARGIN_WEIGHT = 1.0
#: lonely cells whose published zeros get their candidates prepared at once in the group repair
_REPAIR_BATCH = 5_000
#: array elements built at once when candidate cubes are prepared (memory bound)
_CHUNK = 4_000_000
#: cells whose candidates one thread prepares at once in the compiled path
_THREAD_BATCH = 5_000
#: primary cells from which run() first estimates the memory of all candidates, from a sample it prepares
_ESTIMATE_FROM = 50_000
_ESTIMATE_SAMPLE = 2_000
#: bytes of one cell's candidates beyond their arrays (three array headers and a dict entry), and the share the
#: group repair's candidates and the users index add (national education table: 1.8 GB of candidates, 0.6 more)
_CELL_OVERHEAD = 400
_LATER_SHARE = 0.4


def _size(n: float) -> str:
    """Bytes as a reader says them: "3.2 GiB", "850 MiB", "4 KiB"."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if unit == "GiB" else f"{n / scale:.0f} {unit}"
    return f"{n / 1024:.1f} KiB"


def _available_memory() -> int | None:
    """Bytes the system can still give a process (``MemAvailable`` of /proc/meminfo); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


_kernel_state: dict[str, Any] = {"loaded": False, "module": None}


def _kernels() -> Any:
    """The compiled cube search (:mod:`segstat.disclosure._cube_kernels`), imported at first use, or None
    when numba is missing, cannot load or ``SEGSTAT_NUMBA=0`` is set (then the numpy code below runs, with
    the same results)."""
    if not _kernel_state["loaded"]:
        from ..measures._compiled import kernels

        module: Any = None
        if kernels() is not None:  # numba loads here (same switch, same warning as the measures' kernels)
            try:
                from . import _cube_kernels as module
            except ImportError:  # pragma: no cover - numba loaded a moment ago
                module = None
        _kernel_state["module"] = module
        _kernel_state["loaded"] = True
    return _kernel_state["module"]


def _smallest_nonzero_first(v: np.ndarray) -> np.ndarray:
    """Sort key: non-zero cells by size, zeros last (a move cannot take anything from an empty cell)."""
    return np.where(v > 0, v, np.inf)


class _Tree:
    """Parent, children and leaf-ness of one dimension's nodes."""

    def __init__(self, d: Dimension) -> None:
        n = len(d.nodes)
        self.parent = np.full(n, -1, dtype=np.int64)
        for p, kids in enumerate(d.children):
            for c in kids:
                self.parent[c] = p
        self.children = [np.asarray(k, dtype=np.int64) for k in d.children]
        self.n_leaves = d.n_leaves

    def chains(self, node: int, vals: np.ndarray, k: int, memo: dict | None = None) -> list[list[int]]:
        """Up to ``k`` descendant chains from ``node`` to a leaf (``node`` first), smallest cells first;
        ``memo`` keeps them for the line ``vals`` (cells on one line share their siblings' chains)."""
        kids = self.children[node]
        if len(kids) == 0:
            return [[node]]
        if memo is not None:
            if (node, k) not in memo:
                memo[(node, k)] = self.chains(node, vals, k)
            return memo[(node, k)]
        first = kids[np.argsort(_smallest_nonzero_first(vals[kids]), kind="stable")[:k]]
        out = []
        for c in first:
            chain = [node, int(c)]
            while len(self.children[chain[-1]]):
                kk = self.children[chain[-1]]
                chain.append(int(kk[np.argmin(_smallest_nonzero_first(vals[kk]))]))
            out.append(chain)
        return out

    def moves(self, x: int, vals: np.ndarray, full: bool = False, memo: dict | None = None
              ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Candidate moves with +1 at ``x``: (nodes, signs) padded with sign 0, and whether they depend on
        ``vals`` (they do when a chain has to choose among children).

        The move that raises every margin above ``x`` is offered when it is short (``x`` and the total) or
        there is no sibling to turn to; with ``full`` always (it suppresses large margins, so it is the last
        resort)."""
        found: list[tuple[list[int], list[int]]] = []
        downs = self.chains(x, vals, _CHAINS, memo)
        depends = len(downs[0]) > 1
        path = [x]  # x and the ancestors walked so far, all +1
        u, turns = x, 0
        while turns < (_UP_LEVELS + 1 if full else _UP_LEVELS) and self.parent[u] >= 0:
            p = int(self.parent[u])
            siblings = [int(w) for w in self.children[p] if w != u]
            if len(siblings) > 2 * _MAX_MOVES:
                # many siblings (the RegSO of a large kommun): only the smallest on the line can make one of
                # the cheapest moves kept in the end, so the others' chains are not built
                sv = _smallest_nonzero_first(vals[np.asarray(siblings)])
                siblings = [siblings[i] for i in np.sort(np.argsort(sv, kind="stable")[:2 * _MAX_MOVES])]
                depends = True  # chosen by this line's values
            for w in siblings:
                wchain = self.chains(w, vals, 1, memo)[0]
                depends |= len(wchain) > 1
                for down in downs:
                    nodes = path + down[1:] + wchain
                    found.append((nodes, [1] * (len(path) + len(down) - 1) + [-1] * len(wchain)))
            turns += bool(siblings)
            path = path + [p]
            u = p
        # all the way up: the move raises the cell and every margin above it
        while self.parent[u] >= 0:
            u = int(self.parent[u])
            path = path + [u]
        for down in downs if (full or not found or len(path) + len(down) <= 3) else ():
            nodes = path + down[1:]
            found.append((nodes, [1] * len(nodes)))
        width = max(len(n) for n, _ in found)
        lev = np.array([n + [0] * (width - len(n)) for n, _ in found], dtype=np.int64)
        sg = np.array([g + [0] * (width - len(g)) for _, g in found], dtype=np.int8)
        return lev, sg, depends


class _Users:
    """Which chosen cubes use each cell: how many (``count``, every cell) and which (``of``, the cells that are
    not primary: the only ones improve and prune publish again)."""

    def __init__(self, chosen: dict[int, tuple[np.ndarray, np.ndarray]], primary: np.ndarray, n: int) -> None:
        self.primary = primary
        owners = np.fromiter(chosen.keys(), dtype=np.int64, count=len(chosen))
        cubes = [cells for cells, _ in chosen.values()]
        flat = np.concatenate(cubes).astype(np.int64) if cubes else np.zeros(0, dtype=np.int64)
        owner = np.repeat(owners, [len(c) for c in cubes])
        self.count = np.bincount(flat, minlength=n).astype(np.int32)
        keep = ~primary[flat]
        flat, owner = flat[keep], owner[keep]
        order = np.argsort(flat, kind="stable")
        flat, owner = flat[order], owner[order].tolist()
        cut = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]]) if len(flat) else np.zeros(0, np.int64)
        bounds = np.r_[cut, len(flat)].tolist()
        self._of: dict[int, set[int]] = {int(flat[cut[i]]): set(owner[bounds[i]:bounds[i + 1]])
                                         for i in range(len(cut))}

    def of(self, cell: int) -> list[int]:
        """The cubes (their primary cells) that use the non-primary ``cell``."""
        return list(self._of.get(cell, ()))

    def leave(self, owner: int, cells: np.ndarray) -> None:
        self.count[cells] -= 1
        for c in cells[~self.primary[cells]].tolist():
            self._of[c].discard(owner)

    def join(self, owner: int, cells: np.ndarray) -> None:
        self.count[cells] += 1
        for c in cells[~self.primary[cells]].tolist():
            self._of.setdefault(c, set()).add(owner)


class CubeSuppressor:
    """One cube per primary cell of a single table: chosen greedily, re-chosen, then pruned.

    ``chosen`` maps every protected cell to its cube (cell ids and signs)."""

    def __init__(self, dims: tuple[Dimension, ...], values: np.ndarray, required: np.ndarray,
                 equations: list[np.ndarray] | None = None) -> None:
        """A table's cells (the node product of ``dims``, C order) with their ``values``, the protection
        level ``required`` of every cell, and the additivity blocks used for group disclosure."""
        self.shape = tuple(len(d.nodes) for d in dims)
        n = int(np.prod(self.shape))
        self.strides = np.array([int(np.prod(self.shape[a + 1:])) for a in range(len(self.shape))], dtype=np.int64)
        self.trees = [_Tree(d) for d in dims]
        self.values = values
        self.cube = self.values.reshape(self.shape)
        self.required = required
        self.is_leaf = np.ones(n, dtype=bool)
        coords = np.unravel_index(np.arange(n), self.shape)
        for a, tree in enumerate(self.trees):
            self.is_leaf &= coords[a] < tree.n_leaves
        self.leaf_shape = tuple(tr.n_leaves for tr in self.trees)
        #: cost of suppressing each cell: its persons (value), margins weighted by ``_MARGIN_WEIGHT``
        self.weights = np.where(self.is_leaf, values, _MARGIN_WEIGHT * values)
        self.equations = equations or []
        #: candidate cubes of each cell: (cell ids as int32, signs as int8, room); a cube's cost is read from
        #: ``values`` when needed, so a candidate position costs 5 bytes (memory linear in primary cells)
        self._cands: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        #: cells that must stay published (protect's ``keep=``): no cube may suppress them
        self.keep = np.zeros(n, dtype=bool)
        self.any_kept = False
        self._moves: dict[tuple[int, int, bool], tuple[np.ndarray, np.ndarray]] = {}
        #: descendant chains per line of the table, while a batch of candidates is prepared
        self._chain_memo: dict[tuple[int, ...], dict] = {}
        self.chosen: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._flat: tuple[Any, ...] | None = None
        #: batch arrays (cell ids, rooms) the primary cells' candidates are views of, and where each cell's lie
        self._batches: list[tuple[np.ndarray, np.ndarray]] = []
        self._where: dict[int, tuple[int, int, int, int, int]] = {}

    @classmethod
    def for_table(cls, model: Model, required: np.ndarray) -> CubeSuppressor:
        """The cells of a single table (its finest cells are its inner cells)."""
        (t,) = model.tables
        return cls(t.dims, model.values, required, model.equations)

    def _dim_moves(self, a: int, pos: tuple[int, ...], full: bool = False, need: float = 1.0
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Moves along dimension ``a`` through the cell at ``pos``, without those that cannot move by ``need``."""
        D = len(self.shape)
        index = tuple(slice(None) if b == a else pos[b] for b in range(D))
        vals = self.cube[index]
        key = (a, int(pos[a]), full)
        if key in self._moves:
            lev, sg = self._moves[key]
        else:
            line = (a,) + tuple(pos[b] for b in range(D) if b != a)
            memo = self._chain_memo.setdefault(line, {})
            lev, sg, depends = self.trees[a].moves(int(pos[a]), vals, full, memo)
            if not depends:
                self._moves[key] = (lev, sg)
        if all(pos[b] < self.trees[b].n_leaves for b in range(D) if b != a):
            # on the cell's own line the cells a move decreases are inner cells: one below need stops the move
            stuck = ((sg < 0) & (lev < self.trees[a].n_leaves) & (vals[lev] < need - 1e-9)).any(axis=1)
            if stuck.any():
                lev, sg = lev[~stuck], sg[~stuck]
        if len(lev) > _MAX_MOVES:
            # the persons a move touches on the cell's own line stand in for the cost of its cubes
            line = np.where(sg != 0, vals[lev], 0.0).sum(axis=1)
            keep = np.sort(np.argsort(line, kind="stable")[:_MAX_MOVES])
            lev, sg = lev[keep], sg[keep]
        return lev, sg

    def prepare(self, cells: np.ndarray, full: bool = False, views: bool = False) -> None:
        """Build the candidate cubes of many cells at once (cells whose moves have the same shapes share
        one set of array operations). Cells with no candidate that can move get the ``full`` set of moves.
        With ``views`` (the primary cells of :meth:`run`, all kept to the end) the compiled path keeps views of
        its batch arrays and where each cell's block lies, for the compiled queue."""
        todo = [int(c) for c in cells if full or int(c) not in self._cands]
        if not todo:
            return
        compiled = _kernels()
        if compiled is not None:
            self._prepare_compiled(compiled, np.asarray(todo, dtype=np.int64), full, views)
            return
        D = len(self.shape)
        groups: dict[tuple, list] = {}
        coords = np.stack(np.unravel_index(np.asarray(todo, dtype=np.int64), self.shape), axis=1).tolist()
        needs = np.maximum(self.required[np.asarray(todo, dtype=np.int64)], 1.0).tolist()
        n_leaves = [tree.n_leaves for tree in self.trees]
        for c, pos_list, need in zip(todo, coords, needs):
            pos = tuple(pos_list)
            # moves along one variable are judged on the line through the cell; where the cell sits on a
            # margin of another variable, on the line through the leaf its cubes will use there
            anchor = list(pos)
            for b, tree in enumerate(self.trees):
                if pos[b] >= n_leaves[b]:
                    line = self.cube[tuple(slice(None) if i == b else pos[i] for i in range(D))]
                    memo = self._chain_memo.setdefault((b,) + tuple(pos[i] for i in range(D) if i != b), {})
                    anchor[b] = tree.chains(pos[b], line, 1, memo)[0][-1]
            mv = [self._dim_moves(a, tuple(anchor[:a]) + (pos[a],) + tuple(anchor[a + 1:]), full, need)
                  for a in range(D)]
            if any(len(lev) == 0 for lev, _ in mv):
                self._cands[c] = (np.zeros((0, 1), dtype=np.int32), np.zeros((0, 1), dtype=np.int8),
                                  np.zeros(0))
                continue
            groups.setdefault(tuple(lev.shape for lev, _ in mv), []).append((c, mv))
        chunks: list[Any] = []
        for members, items in groups.items():
            size = int(np.prod([n * k for n, k in members]))
            step = max(1, _CHUNK // max(size, 1))
            chunks.extend((members, items[i:i + step]) for i in range(0, len(items), step))
        for members, items in chunks:
            G = len(items)
            ids = np.zeros((G,) + (1,) * (2 * D), dtype=np.int64)
            sgn = np.ones((G,) + (1,) * (2 * D), dtype=np.int8)
            for a in range(D):
                lev = np.stack([mv[a][0] for _, mv in items])
                sg = np.stack([mv[a][1] for _, mv in items])
                # candidate axes first (one per dimension), then support axes
                cshape = [G] + [1] * (2 * D)
                cshape[1 + a], cshape[1 + D + a] = members[a]
                ids = ids + (lev * self.strides[a]).reshape(cshape)
                sgn = sgn * sg.reshape(cshape)
            shape = ids.shape
            n = int(np.prod(shape[1:D + 1]))
            ids = ids.reshape(G, n, -1)
            sgn = np.broadcast_to(sgn, shape).reshape(G, n, -1)
            used = sgn != 0
            v = self.values[ids]
            # room: how far the move can go before an inner cell it decreases reaches zero (at least 1 needed)
            room = np.where((sgn < 0) & self.is_leaf[ids], v, np.inf).min(axis=2)
            # padding points at the cell itself (in every cube anyway), so the masks in best() need no ``used``
            own = np.array([c for c, _ in items], dtype=np.int64)[:, None, None]
            ids = np.where(used, ids, own).astype(self._id_type)
            needs = np.maximum(self.required[own[:, 0, 0]], 1.0)
            keep = room >= needs[:, None] - 1e-9
            for g, (c, _) in enumerate(items):
                k = keep[g]
                self._cands[c] = (ids[g][k], np.ascontiguousarray(sgn[g][k]), room[g][k])
        if not full:
            retry = [c for c in todo if len(self._cands[c][0]) == 0]
            if retry:
                self.prepare(np.asarray(retry), full=True)
            self._chain_memo.clear()  # shared within a batch; cleared so that memory stays with the candidates

    def _flat_trees(self) -> tuple[Any, ...]:
        """The dimensions' trees as flat arrays for the compiled preparation (built once): parents with their
        offsets, children in CSR form with theirs, the longest move a tree allows and the most children."""
        if self._flat is None:
            parents: list[np.ndarray] = []
            ptrs: list[np.ndarray] = []
            kids: list[np.ndarray] = []
            noff: list[int] = []
            poff: list[int] = []
            n_nodes = n_kids = depth = most = 0
            n_ptr = 0
            for tree in self.trees:
                noff.append(n_nodes)
                poff.append(n_ptr)
                parents.append(tree.parent)
                sizes = np.array([len(k) for k in tree.children], dtype=np.int64)
                ptrs.append(n_kids + np.concatenate([[0], np.cumsum(sizes)]))
                n_ptr += len(sizes) + 1
                kids.append(np.concatenate([*tree.children, np.zeros(0, dtype=np.int64)]).astype(np.int64))
                n_nodes += len(tree.parent)
                n_kids += int(sizes.sum())
                most = max(most, int(sizes.max(initial=0)))
                for leaf in range(tree.n_leaves):  # the deepest leaf bounds every chain and path
                    d, u = 0, leaf
                    while tree.parent[u] >= 0:
                        u, d = int(tree.parent[u]), d + 1
                    depth = max(depth, d)
            self._flat = (np.concatenate(parents), np.asarray(noff, dtype=np.int64), np.concatenate(ptrs),
                          np.concatenate(kids), np.asarray(poff, dtype=np.int64), 3 * (depth + 1) + 1, most)
        return self._flat

    def _prepare_compiled(self, compiled: Any, todo: np.ndarray, full: bool, views: bool = False) -> None:
        """:meth:`prepare` by the compiled kernel (:func:`._cube_kernels.prepare`): the same candidates, cell by
        cell in one pass; large batches are split over two threads (the kernel releases the GIL)."""
        parent, noff, ptr, kids, poff, max_width, most = self._flat_trees()
        needs = np.maximum(self.required[todo], 1.0)
        shape = np.asarray(self.shape, dtype=np.int64)
        n_leaves = np.asarray([tr.n_leaves for tr in self.trees], dtype=np.int64)
        like: np.ndarray = np.zeros(0, dtype=self._id_type)

        def run(part: slice) -> tuple[np.ndarray, ...]:
            return compiled.prepare(todo[part], full, needs[part], shape, self.strides, n_leaves, self.values,
                                    self.is_leaf, parent, noff, ptr, kids, poff, _MAX_MOVES, _UP_LEVELS,
                                    max_width, most, like)

        parts = [slice(i, i + _THREAD_BATCH) for i in range(0, len(todo), _THREAD_BATCH)]
        if len(parts) > 1:
            with ThreadPoolExecutor(min(len(parts), os.cpu_count() or 1)) as pool:
                results = list(pool.map(run, parts))
        else:
            results = [run(parts[0])]
        for part, (ids, sgn, room, k, size) in zip(parts, results):
            at = np.concatenate([[0], np.cumsum(k * size)]).tolist()
            rat = np.concatenate([[0], np.cumsum(k)]).tolist()
            b = len(self._batches)
            if views:
                self._batches.append((ids, room))
            for g, (c, kk, cc) in enumerate(zip(todo[part].tolist(), k.tolist(), size.tolist())):
                block = (ids[at[g]:at[g + 1]].reshape(kk, cc), sgn[at[g]:at[g + 1]].reshape(kk, cc),
                         room[rat[g]:rat[g + 1]])
                if views:
                    self._cands[c] = block
                    self._where[c] = (b, at[g], rat[g], kk, cc)
                else:  # copies: a batch's memory goes with the cells dropped from it (the group repair)
                    self._cands[c] = (block[0].copy(), block[1].copy(), block[2].copy())

    @property
    def _id_type(self) -> type:
        return np.int32 if len(self.values) < 2**31 else np.int64

    def _candidates(self, cell: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every candidate cube through ``cell`` that can move at least 1: cell ids (n_cubes, cube_size;
        padding points at ``cell`` itself), signs (0 where padded) and the room of the move."""
        if cell not in self._cands:
            self.prepare(np.array([cell]))
        return self._cands[cell]

    def best(self, cell: int, suppressed: np.ndarray, inside: bool = False, need: float | None = None
             ) -> tuple[float, int]:
        """Cost and index of the cheapest candidate cube of ``cell`` wide enough for its protection level
        (with ``inside``, only cubes whose cells are all suppressed already, at cost 0)."""
        ids, _, room = self._candidates(cell)
        if len(ids) == 0:
            return np.inf, -1
        if need is None:
            need = max(float(self.required[cell]), 1.0)
        compiled = _kernels()
        if compiled is not None:
            cost_j = compiled.best(ids, room, suppressed, self.weights, self.keep, self.any_kept, inside,
                                   float(need))
            return float(cost_j[0]), int(cost_j[1])
        out = ~suppressed[ids]
        if inside:
            cost = np.where(out.any(axis=1), np.inf, 0.0)
        else:
            # padding points at the cell itself: suppressed (a primary cell) or a published zero (costs 0)
            cost = (self.weights[ids] * out).sum(axis=1)
        if self.any_kept:
            cost = np.where((out & self.keep[ids]).any(axis=1), np.inf, cost)
        if need > 1.0:
            cost = np.where(room >= need - 1e-9, cost, np.inf)
        j = int(np.argmin(cost))
        return float(cost[j]), j

    def take(self, cell: int, j: int, suppressed: np.ndarray) -> None:
        ids, sgn, _ = self._candidates(cell)
        used = sgn[j] != 0
        self.chosen[cell] = (ids[j][used], sgn[j][used])
        suppressed[ids[j][used]] = True

    def check_memory(self, primary_cells: np.ndarray) -> None:
        """Before a large search: the memory all candidates will take, from a sample of primary cells whose
        candidates are prepared now (they are kept; every cell's candidates are its own, so this changes no
        result); :class:`ResourceLimitError` saying how many primary cells fit when it exceeds what is free."""
        if len(primary_cells) < _ESTIMATE_FROM:
            return
        available = _available_memory()
        if available is None:
            return
        sample = np.random.default_rng(0).choice(primary_cells, _ESTIMATE_SAMPLE, replace=False)
        self.prepare(sample, views=True)  # as run() prepares them
        per_cell = _CELL_OVERHEAD + sum(sum(a.nbytes for a in self._cands[int(c)]) for c in sample) / len(sample)
        per_cell *= 1 + _LATER_SHARE
        need = per_cell * len(primary_cells)
        if need > available:
            raise ResourceLimitError(
                f"protecting this table needs about {_size(need)} for the candidate patterns of its "
                f"{len(primary_cells):,} primary cells (about {_size(per_cell)} each), but {_size(available)} is "
                f"free. About {int(available // per_cell):,} primary cells fit: free memory, or protect a table with "
                f"fewer small cells (a coarser area level or fewer categories).")

    def run(self, primary_cells: np.ndarray, suppressed: np.ndarray, bar: Any = None) -> np.ndarray:
        """Protect every cell of ``primary_cells`` with a cube; returns the cells that had none.

        The cell whose cheapest cube is dearest goes first (costs are refreshed lazily: they only fall as
        cells are suppressed). Cells with few cheap options then fix the pattern, and the cells with cheap
        options mostly find a cube inside it for free; on the benchmark tables this hides 2-3 % fewer
        persons than taking the cheapest cube first.
        """
        self.check_memory(primary_cells)
        heap = []
        failed = []
        step = 20_000  # candidates are prepared in batches so that the bar moves
        for i in range(0, len(primary_cells), step):
            self.prepare(primary_cells[i:i + step], views=True)
            if bar is not None:
                bar.update(len(primary_cells[i:i + step]))
        for c in primary_cells:
            cost, _ = self.best(int(c), suppressed)
            if not np.isfinite(cost):  # no short move is wide enough: offer the moves up to the totals too
                self.prepare(np.array([c]), full=True, views=True)
                cost, _ = self.best(int(c), suppressed)
            if np.isfinite(cost):
                heap.append((-cost, int(c)))
            else:
                failed.append(int(c))
        compiled = _kernels()
        if compiled is not None:
            self._greedy_compiled(compiled, heap, suppressed, bar)
            return np.asarray(failed, dtype=np.int64)
        heapq.heapify(heap)
        while heap:
            c = heap[0][1]
            new, j = self.best(c, suppressed)
            # the dearest of the others is a child of the top; a cell that got cheaper goes back in the queue
            # in one step (the same order as popping it and pushing it again)
            others = [heap[k][0] for k in (1, 2) if k < len(heap)]
            if others and new < -min(others) - 1e-12:
                heapq.heapreplace(heap, (-new, c))
                continue
            heapq.heappop(heap)
            self.take(c, int(j), suppressed)
            if bar is not None:
                bar.update(1)
        return np.asarray(failed, dtype=np.int64)

    def _greedy_compiled(self, compiled: Any, heap: list[tuple[float, int]], suppressed: np.ndarray,
                         bar: Any) -> None:
        """The queue of :meth:`run` in one compiled call (:func:`._cube_kernels.greedy`) over the batch arrays
        the queued cells' candidates are views of; the same cells taken in the same order as the Python
        queue. The cubes are then recorded as :meth:`take` records them."""
        from numba.typed import List

        if not heap:
            return
        heap = sorted(heap, key=lambda entry: entry[1])  # positions in cell order break ties as cell ids do
        cells = [c for _, c in heap]
        where = np.array([self._where[c] for c in cells], dtype=np.int64).reshape(-1, 5)
        batch_ids, batch_room = List(), List()
        for ids, room in self._batches:
            batch_ids.append(ids)
            batch_room.append(room)
        keys = np.array([k for k, _ in heap], dtype=float)
        order, chosen = compiled.greedy(keys, np.arange(len(cells), dtype=np.int64), where[:, 0], where[:, 1],
                                        where[:, 2], where[:, 3], where[:, 4], batch_ids, batch_room,
                                        np.maximum(self.required[np.asarray(cells, dtype=np.int64)], 1.0),
                                        suppressed, self.weights, self.keep, self.any_kept)
        for p, j in zip(order.tolist(), chosen.tolist()):
            self.take(cells[p], j, suppressed)
        if bar is not None:
            bar.update(len(order))
        self._batches, self._where = [], {}  # the candidates stay, as views

    def _rechoose(self, cell: int, j: int, suppressed: np.ndarray, users: _Users) -> None:
        """Give ``cell`` its candidate cube ``j`` instead of its current one, keeping ``users`` up to date."""
        users.leave(cell, self.chosen[cell][0])
        self.take(cell, j, suppressed)
        users.join(cell, self.chosen[cell][0])

    def _users(self, primary: np.ndarray) -> _Users:
        return _Users(self.chosen, primary, len(self.values))

    def improve(self, suppressed: np.ndarray, primary: np.ndarray, passes: int = 2) -> float:
        """Choose each cell's cube again with all other cubes in place; returns the persons (value) saved.

        The cells only this cube uses are published for a moment; if the cheapest cube in the pattern
        without them costs less than they do, it replaces the old one. Cells with the dearest own cells go
        first.
        """
        users = self._users(primary)
        saved = 0.0
        for _ in range(passes):
            # the non-primary cells of each cube that no other cube uses (a cube's cells are distinct, so
            # "one user" means "this cube")
            owners = np.fromiter(self.chosen.keys(), dtype=np.int64, count=len(self.chosen))
            cubes = [cells for cells, _ in self.chosen.values()]
            flat = np.concatenate(cubes) if cubes else np.zeros(0, dtype=np.int64)
            owner = np.repeat(owners, [len(c) for c in cubes])
            alone = ~primary[flat] & (flat != owner) & (users.count[flat] == 1)
            flat, owner = flat[alone], owner[alone]
            cut = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else np.zeros(0, np.int64)
            sums = np.add.reduceat(self.weights[flat], cut) if len(cut) else np.zeros(0)
            bounds = np.r_[cut, len(flat)].tolist()
            mine_of = {int(owner[cut[i]]): flat[bounds[i]:bounds[i + 1]] for i in range(len(cut))}
            order = [int(owner[cut[i]]) for i in np.argsort(-sums, kind="stable")]
            gain = 0.0
            for p in order:
                mine = mine_of[p]
                mine = mine[users.count[mine] == 1]
                if not len(mine):
                    continue
                before = float(self.weights[mine].sum())
                suppressed[mine] = False
                cost, j = self.best(p, suppressed)
                if np.isfinite(cost) and cost < before - 1e-9:
                    self._rechoose(p, j, suppressed, users)
                    gain += before - cost
                else:
                    suppressed[mine] = True
            saved += gain
            if gain == 0:
                break
        suppressed[suppressed & ~primary & (users.count == 0)] = False
        return saved

    def prune(self, suppressed: np.ndarray, primary: np.ndarray) -> int:
        """Publish again secondary cells that no cube needs, the largest first; returns how many.

        A secondary cell goes when every primary cell whose cube uses it finds another cube made only of
        cells that stay suppressed; secondary cells left in no cube are published too (the cubes that
        remain do not touch them, so every primary cell keeps its protection and every suppressed cell
        stays in a cube that moves it).
        """
        users = self._users(primary)
        secondary = np.flatnonzero(suppressed & ~primary)
        removed = 0
        for s in secondary[np.argsort(-self.values[secondary], kind="stable")].tolist():
            suppressed[s] = False
            moved = {}
            for p in users.of(s):
                cost, j = self.best(p, suppressed, inside=True)
                if cost > 0:
                    break
                moved[p] = j
            else:
                for p, j in moved.items():
                    self._rechoose(p, j, suppressed, users)  # its cells are all suppressed already
                removed += 1
                continue
            suppressed[s] = True
        unused = suppressed & ~primary & (users.count == 0)
        suppressed[unused] = False
        return removed + int(unused.sum())

    def repair_groups(self, suppressed: np.ndarray, max_rounds: int = 20) -> np.ndarray:
        """Give company to suppressed cells that are alone among published zeros; returns cells left alone.

        When a suppressed margin has exactly one suppressed child and every other child is a published zero,
        the intruder learns that the whole margin falls in that one category (group disclosure). A published
        zero sibling is then suppressed too, with a cube of its own in which it can rise to at least 1, so
        the intruder cannot tell that it is zero.
        """
        for _ in range(max_rounds):
            lonely = []
            for block in self.equations:
                kids = block[1:]
                sup = suppressed[kids]
                zero_pub = ~sup & (self.values[kids] == 0)
                one = (sup.sum(axis=0) == 1) & (zero_pub | sup).all(axis=0) & zero_pub.any(axis=0)
                one &= suppressed[block[0]] & (self.values[block[0]] > 0)
                for col in np.flatnonzero(one):
                    zeros = kids[zero_pub[:, col], col]
                    lonely.append((int(kids[sup[:, col], col][0]), zeros))
            if not lonely:
                return np.zeros(0, dtype=np.int64)
            stuck = []
            for i in range(0, len(lonely), _REPAIR_BATCH):
                part = lonely[i:i + _REPAIR_BATCH]
                # the zeros' candidates are prepared a batch at a time (the same candidates as one by one);
                # those of zeros not taken are dropped again, so that memory stays with the chosen cubes
                fresh = [z for z in np.unique(np.concatenate([zeros for _, zeros in part])).tolist()
                         if z not in self._cands]
                if fresh:
                    self.prepare(np.asarray(fresh, dtype=np.int64))
                for cell, zeros in part:
                    if not (suppressed[zeros] == 0).all():
                        continue  # an earlier repair this round gave it company already
                    options = [(self.best(int(z), suppressed, need=1.0), int(z)) for z in zeros]
                    (cost, j), z = min(options)
                    if not np.isfinite(cost):
                        stuck.append(cell)
                        continue
                    self.take(z, j, suppressed)
                for z in fresh:
                    if z not in self.chosen:
                        del self._cands[z]
            if len(stuck) == len(lonely):
                return np.asarray(stuck, dtype=np.int64)
        return np.asarray([c for c, _ in lonely], dtype=np.int64)

    def certificates(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The change of the finest cells each chosen cube stands for (a single table's finest cells are its
        inner cells, in C order over the leaves)."""
        out: list[tuple[np.ndarray, np.ndarray]] = []
        for cells, signs in self.chosen.values():
            leaf = self.is_leaf[cells]
            finest = np.ravel_multi_index(np.unravel_index(cells[leaf], self.shape), self.leaf_shape)
            out.append((np.asarray(finest), signs[leaf].astype(np.float64)))
        return out


def certificate_matrix(certificates: list[tuple[np.ndarray, np.ndarray]], n_finest: int) -> Any:
    """Sparse (finest cells x certificates) matrix of changes."""
    from scipy import sparse

    if not certificates:
        return sparse.csc_matrix((n_finest, 0))
    rows = np.concatenate([f for f, _ in certificates])
    data = np.concatenate([s for _, s in certificates])
    cols = np.repeat(np.arange(len(certificates)), [len(f) for f, _ in certificates])
    return sparse.csc_matrix((data, (rows, cols)), shape=(n_finest, len(certificates)))


def certified_bounds(model: Model, suppressed: np.ndarray, D) -> tuple[np.ndarray, np.ndarray]:
    """Inner bounds of every cell from certificates: values the intruder cannot rule out.

    A certificate ``d`` (a change of the finest cells) is used when it leaves every published cell unchanged;
    then ``finest + t * d`` is consistent with everything published for every ``t`` that keeps the finest
    cells non-negative, so each cell's value plus ``t`` times its change lies in the intruder's interval.
    Cells no certificate moves get ``[value, value]``.
    """
    from scipy import sparse

    lo = model.values.copy()
    hi = model.values.copy()
    if D is None or D.shape[1] == 0:
        return lo, hi
    D = sparse.csc_matrix(D)
    G = (model.M @ D).tocsc()
    G.eliminate_zeros()
    G.data[np.abs(G.data) < 1e-12] = 0
    G.eliminate_zeros()
    pub = ~suppressed
    moved_pub = np.asarray(abs(G[pub]).sum(axis=0)).ravel() > 0
    x = model.finest_values
    Dc = D.tocoo()
    ratio = x[Dc.row] / np.abs(Dc.data)
    t_up = np.full(D.shape[1], np.inf)  # largest t >= 0: finest cells that decrease stay >= 0
    t_dn = np.full(D.shape[1], np.inf)  # largest s >= 0 for the move -s * d
    np.minimum.at(t_up, Dc.col[Dc.data < 0], ratio[Dc.data < 0])
    np.minimum.at(t_dn, Dc.col[Dc.data > 0], ratio[Dc.data > 0])
    ok = ~moved_pub
    Gc = G.tocoo()
    keep = ok[Gc.col]
    r, c, g = Gc.row[keep], Gc.col[keep], Gc.data[keep]
    with np.errstate(invalid="ignore"):
        a = g * t_up[c]
        b = -g * t_dn[c]
    a = np.where(np.isnan(a), 0.0, a)
    b = np.where(np.isnan(b), 0.0, b)
    np.maximum.at(hi, r, model.values[r] + np.maximum(a, b))
    np.minimum.at(lo, r, model.values[r] + np.minimum(a, b))
    return lo, hi
