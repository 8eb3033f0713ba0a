#!/usr/bin/env python3
"""numpy peer for the criteria and mitigations ../shared/bench/nm_numpy_peer.py lacks.

The same statistics (relative L2 error, kept fraction) under nmsim's definitions
(src/sparsity/prune.ts, README "Criteria score the values being pruned"), written the way a user
would with numpy, for benchmarks only:

  dpts:  eta_t = lower median of x_t (element floor((K-1)/2) of the sorted row), z = x - eta_t
  none:  eta = 0, z = x
  magnitude: s = |z|;  clact: s = |z| * ||Z[:, j]||_2 over batches of --clact-batch tokens
  amber: s = |z| * f_j per consumer, f = norms / min(norms) (float32), the norms read from the
         bundle's weights.safetensors as its manifest.json names them (--bundle DIR; the header
         parsed here: 8-byte little-endian length, JSON, raw F32 data)
  keep the N largest s of each group of M (np.argpartition; tail groups zero-padded),
  x~ = (keep ? z : 0) + eta (float32), rel_err_l2 = ||x~ - x|| / ||x||.

usage: nm_numpy_criteria.py FILE.safetensors [--patterns 2:4,4:8,8:16,16:32]
       [--criterion magnitude|clact|amber] [--mitigation none|dpts] [--clact-batch 64]
       [--bundle DIR (amber)] [--json]
Ties (equal scores) may keep different elements than nmsim's lower-index rule; with equal |z|
that changes no statistic. Under amber equal scores f32(|z|*f) can come from different |z|: on the
2048x2 bench bundle one group of two tensors (v and up at 8:16) ties at its threshold, which moves
rel_err_l2 by ~7e-9; ranked by (score, lower index) instead of argpartition those two agree with
nmsim to 1e-16 (checked by hand, 2026-11-30).
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


def read_f32(path, key):
    """One F32 tensor of a safetensors file, by its header (no safetensors package)."""
    with open(path, "rb") as fh:
        head_len = int.from_bytes(fh.read(8), "little")
        info = json.loads(fh.read(head_len))[key]
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: {key} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        fh.seek(8 + head_len + start)
        return np.frombuffer(fh.read(end - start), dtype="<f4").reshape(info["shape"])


def amber_factors(bundle):
    """{tensor key: [(consumer, f)]} from the bundle's manifest (first run) and weight files."""
    with open(os.path.join(bundle, "manifest.json")) as fh:
        manifest = json.load(fh)
    out = {}
    for site in manifest["runs"][0]["sites"]:
        for ws in site.get("weight_stats", []):
            ref = ws["amber_column_norms"]
            norms = read_f32(os.path.join(bundle, ref["file"]), ref["key"]).astype(np.float64)
            lo = norms.min()
            f = (norms / lo).astype(np.float32) if lo > 0 else np.ones_like(norms, np.float32)
            out.setdefault(site["tensor"]["key"], []).append((ws["consumer"], f))
    return out


def stats(x, n, m, criterion, mitigation, batch, factors=None):
    t, k = x.shape
    eta = np.partition(x, (k - 1) // 2, axis=1)[:, (k - 1) // 2 : (k - 1) // 2 + 1] if mitigation == "dpts" else np.zeros((t, 1), np.float32)
    z = (x - eta).astype(np.float32)
    s = np.abs(z)
    if criterion == "amber":
        s = s * factors
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
    ap.add_argument("--criterion", default="magnitude", choices=["magnitude", "clact", "amber"])
    ap.add_argument("--bundle", help="amber: the bundle folder holding manifest.json and the norms")
    ap.add_argument("--mitigation", default="dpts", choices=["none", "dpts"])
    ap.add_argument("--clact-batch", type=int, default=64)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    pats = [tuple(int(v) for v in p.split(":")) for p in a.patterns.split(",")]
    t0, elems, out = time.perf_counter(), 0, []
    if a.criterion == "amber" and not a.bundle:
        ap.error("--criterion amber needs --bundle")
    factors = amber_factors(a.bundle) if a.criterion == "amber" else {}
    for name, x in read(a.file):
        elems += x.size
        for n, m in pats:
            if a.criterion == "amber":
                for consumer, f in factors[name]:
                    out.append({"tensor": name, "consumer": consumer, "pattern": f"{n}:{m}", **stats(x, n, m, a.criterion, a.mitigation, a.clact_batch, f)})
            else:
                out.append({"tensor": name, "pattern": f"{n}:{m}", **stats(x, n, m, a.criterion, a.mitigation, a.clact_batch)})
    dt = time.perf_counter() - t0
    if a.json:
        print(json.dumps(out, indent=1))
    print(f"numpy criteria peer ({a.criterion}+{a.mitigation}): {elems} elements x {len(pats)} patterns in {dt:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
