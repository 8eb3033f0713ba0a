#!/usr/bin/env python3
"""numpy peer for the criteria and mitigations ../shared/bench/nm_numpy_peer.py lacks.

The same statistics (relative L2 error, kept fraction) under nmsim's definitions
(src/sparsity/prune.ts, README "Criteria score the values being pruned"), written the way a user
would with numpy, for benchmarks only:

  dpts:  eta_t = lower median of x_t (element floor((K-1)/2) of the sorted row), z = x - eta_t
  none:  eta = 0, z = x
  magnitude: s = |z|;  clact: s = |z| * ||Z[:, j]||_2 over batches of --clact-batch tokens
  keep the N largest s of each group of M (np.argpartition; tail groups zero-padded),
  x~ = (keep ? z : 0) + eta (float32), rel_err_l2 = ||x~ - x|| / ||x||.

usage: nm_numpy_criteria.py FILE.safetensors [--patterns 2:4,4:8,8:16,16:32]
       [--criterion magnitude|clact] [--mitigation none|dpts] [--clact-batch 64] [--json]
Ties (equal scores) may keep different elements than nmsim's lower-index rule; with equal |z|
that changes no statistic.
"""
import argparse, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
from nm_numpy_peer import read  # noqa: E402  (the shared peer's safetensors reader)


def keep_mask(s, n, m):
    t, k = s.shape
    pad = (-k) % m
    if pad:
        s = np.concatenate([s, np.full((t, pad), -1.0, np.float32)], axis=1)
    g = s.reshape(-1, m)
    keep = np.ones(g.shape, bool)
    if n < m:
        drop = np.argpartition(g, m - n - 1, axis=1)[:, : m - n]
        np.put_along_axis(keep, drop, False, axis=1)
    return keep.reshape(t, -1)[:, :k]


def stats(x, n, m, criterion, mitigation, batch):
    t, k = x.shape
    eta = np.partition(x, (k - 1) // 2, axis=1)[:, (k - 1) // 2 : (k - 1) // 2 + 1] if mitigation == "dpts" else np.zeros((t, 1), np.float32)
    z = (x - eta).astype(np.float32)
    s = np.abs(z)
    if criterion == "clact":
        for b0 in range(0, t, batch):
            zb = z[b0 : b0 + batch].astype(np.float64)
            s[b0 : b0 + batch] *= np.sqrt((zb * zb).sum(axis=0)).astype(np.float32)
    keep = keep_mask(s, n, m)
    xt = (np.where(keep, z, np.float32(0)) + eta).astype(np.float32)
    d = xt.astype(np.float64) - x
    err2 = float((d * d).sum())
    tot2 = float(np.square(x, dtype=np.float64).sum())
    return {"rel_err_l2": (err2 / tot2) ** 0.5 if tot2 else 0.0, "kept_fraction": float(keep.sum()) / (t * k)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--patterns", default="2:4,4:8,8:16,16:32")
    ap.add_argument("--criterion", default="magnitude", choices=["magnitude", "clact"])
    ap.add_argument("--mitigation", default="dpts", choices=["none", "dpts"])
    ap.add_argument("--clact-batch", type=int, default=64)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    pats = [tuple(int(v) for v in p.split(":")) for p in a.patterns.split(",")]
    t0, elems, out = time.perf_counter(), 0, []
    for name, x in read(a.file):
        elems += x.size
        for n, m in pats:
            out.append({"tensor": name, "pattern": f"{n}:{m}", **stats(x, n, m, a.criterion, a.mitigation, a.clact_batch)})
    dt = time.perf_counter() - t0
    if a.json:
        print(json.dumps(out, indent=1))
    print(f"numpy criteria peer ({a.criterion}+{a.mitigation}): {elems} elements x {len(pats)} patterns in {dt:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
