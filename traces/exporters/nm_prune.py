"""N:M activation pruning in PyTorch with nmsim's exact semantics.

This mirrors nmsim's one definition (src/sparsity/pattern.ts, select.ts, prune.ts,
criteria/*.ts, mitigation/*.ts; DESIGN.md section 1; arXiv 2509.22166) so that nmsim's own
`pruneMatrix` on the recorded dense inputs reproduces the masks this module applies:

- groups of M start at index 0 of K; a tail group of r < M elements keeps min(N, r);
- ties: the lower index wins (stable sort on the score, descending); a NaN score ranks below
  every number;
- "unstructured" keeps the top floor(K/2) of each token's vector; "dense" keeps everything.

Per token t of x [tokens, K] (float32):
    u_t = x_t - eta_t                  (eta: dpts = lower median of x_t, spts = the site's
                                        calibrated static shift, else 0)
    s_tj = |u_tj| * f_j                (f = 1 magnitude, amber factors, clact channel norms
                                        ||U[:, j]||_2 over the batch of shifted values u)
    keep = select(s_t, pattern)
    x~_t = keep * u_t + eta_t
    var: x~_t <- v_t * x~_t, v_t = sqrt(var(x_t) / var(x~_t)), unbiased over K, zeros included

Arithmetic is float32 exactly where nmsim stores float32 (scores, u, x~) and float64 where it
accumulates in doubles (variances, channel norms, amber statistics), so masks agree bit for bit
and values to float32 rounding.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

CRITERIA = ("magnitude", "amber", "clact")
# "affine" (nmsim's output-side least-squares correction) is not applied by the exporter.
MITIGATIONS = ("none", "var", "dpts", "spts")
MAX_GROUP_SIZE = 64

# Amber-Pruner quantile trim (nmsim src/sparsity/criteria/amber.ts).
AMBER_LOW_QUANTILE = 0.005
AMBER_HIGH_QUANTILE = 0.995


class PatternError(ValueError):
    """A pattern, criterion or mitigation name that nmsim would not accept."""


@dataclass(frozen=True)
class Pattern:
    kind: str  # "nm", "unstructured" or "dense"
    n: int = 0
    m: int = 0

    def __str__(self) -> str:
        return f"{self.n}:{self.m}" if self.kind == "nm" else self.kind


def parse_pattern(text: str) -> Pattern:
    s = text.strip().lower()
    if s in ("dense", "unstructured"):
        return Pattern(s)
    match = re.fullmatch(r"(\d+)\s*:\s*(\d+)", s)
    if not match:
        raise PatternError(
            f'"{text}" is not a sparsity pattern; write kept:group ("8:16" keeps 8 of every 16), '
            '"unstructured" or "dense"'
        )
    n, m = int(match.group(1)), int(match.group(2))
    if not 1 <= m <= MAX_GROUP_SIZE:
        raise PatternError(f'"{text}": m ({m}) must be between 1 and {MAX_GROUP_SIZE}')
    if not 1 <= n <= m:
        raise PatternError(f'"{text}": n ({n}) must be between 1 and m ({m})')
    return Pattern("nm", n, m)


def parse_names(text: str, valid: tuple[str, ...], what: str) -> list[str]:
    out: list[str] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part not in valid:
            raise PatternError(f'"{part}" is not a known {what}; pass a comma-separated list of: {", ".join(valid)}')
        if part not in out:
            out.append(part)
    return out


def kept_per_token(p: Pattern, k: int) -> int:
    if p.kind == "dense":
        return k
    if p.kind == "unstructured":
        return k // 2
    full, tail = divmod(k, p.m)
    return full * p.n + min(p.n, tail)


def _rank_keys(scores: torch.Tensor) -> torch.Tensor:
    """NaN ranks below every number (nmsim select.ts rankKey)."""
    return torch.where(torch.isnan(scores), torch.full_like(scores, -math.inf), scores)


def select_keep(scores: torch.Tensor, p: Pattern) -> torch.Tensor:
    """Boolean keep mask [tokens, K] for float32 scores [tokens, K] (higher is kept)."""
    tokens, k = scores.shape
    if p.kind == "dense":
        return torch.ones_like(scores, dtype=torch.bool)
    keys = _rank_keys(scores)
    keep = torch.zeros((tokens, k), dtype=torch.bool, device=scores.device)
    if p.kind == "unstructured":
        quota = k // 2
        order = torch.sort(keys, dim=1, descending=True, stable=True).indices[:, :quota]
        keep.scatter_(1, order, True)
        return keep
    groups = -(-k // p.m)
    pad = groups * p.m - k
    # Padding scores -inf at the end of the tail group: real elements (even NaN ones, at lower
    # indices) outrank them, so a tail of r elements keeps min(N, r) real ones.
    padded = torch.nn.functional.pad(keys, (0, pad), value=-math.inf).view(tokens, groups, p.m)
    order = torch.sort(padded, dim=2, descending=True, stable=True).indices[:, :, : p.n]
    grouped = torch.zeros((tokens, groups, p.m), dtype=torch.bool, device=scores.device)
    grouped.scatter_(2, order, True)
    keep.copy_(grouped.view(tokens, groups * p.m)[:, :k])
    return keep


def lower_median(x: torch.Tensor) -> torch.Tensor:
    """Per row: element floor((K-1)/2) of the sorted row (NaN sorts last, as in nmsim)."""
    k = x.shape[1]
    return torch.sort(x, dim=1).values[:, (k - 1) // 2]


def channel_norms(x: torch.Tensor) -> torch.Tensor:
    """clact: ||X[:, j]||_2 over the batch's tokens, accumulated in float64, stored float32."""
    return x.double().pow(2).sum(dim=0).sqrt().float()


def amber_column_norms(weight: torch.Tensor, rows_per_chunk: int = 1024) -> torch.Tensor:
    """Standardised column norms ||W^[:, j]||_2 of W [out, in] (nmsim amberColumnNorms).

    mu and sigma (ddof 0) over W's elements inside the 0.5 %-99.5 % quantiles (linear
    interpolation between order statistics, numpy's default); the standardisation is then
    applied to every element. Accumulated in float64, returned float32.
    """
    w = weight.detach().float().flatten()
    count = w.numel()

    def quantile(q: float) -> float:
        pos = q * (count - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, count - 1)
        v_lo = float(torch.kthvalue(w, lo + 1).values)
        v_hi = float(torch.kthvalue(w, hi + 1).values) if hi != lo else v_lo
        return v_lo + (v_hi - v_lo) * (pos - lo)

    lo_v = quantile(AMBER_LOW_QUANTILE)
    hi_v = quantile(AMBER_HIGH_QUANTILE)
    inside = w[(w >= lo_v) & (w <= hi_v)].double()
    mu = float(inside.mean())
    sigma = float(((inside - mu) ** 2).mean().sqrt()) or 1.0
    out_dim, in_dim = weight.shape
    acc = torch.zeros(in_dim, dtype=torch.float64, device=weight.device)
    for start in range(0, out_dim, rows_per_chunk):
        z = (weight[start : start + rows_per_chunk].detach().double() - mu) / sigma
        acc += z.pow(2).sum(dim=0)
    return acc.sqrt().float()


def amber_factors_from_norms(norms: torch.Tensor) -> torch.Tensor:
    """f_j = norm_j / min_k norm_k, computed from the float32 norms exactly as nmsim does."""
    n64 = norms.double()
    low = float(n64.min())
    if not low > 0:
        return torch.ones_like(norms, dtype=torch.float32)
    return (n64 / low).float()


def column_norms(weight: torch.Tensor) -> torch.Tensor:
    """||W[:, j]||_2 per input channel of W [out, in]."""
    return weight.detach().double().pow(2).sum(dim=0).sqrt().float()


def round_to_float32(value: float) -> float:
    return float(torch.tensor(value, dtype=torch.float32))


def calibrate_static_shift(sum_of_medians: float, tokens: int) -> float:
    """spts: the mean per-token lower median, rounded to float32 so that nmsim's double
    arithmetic on it rounds exactly like this module's float32 arithmetic."""
    return round_to_float32(sum_of_medians / tokens) if tokens > 0 else 0.0


def _unbiased_variance(x: torch.Tensor) -> torch.Tensor:
    k = x.shape[1]
    if k < 2:
        return torch.zeros(x.shape[0], dtype=torch.float64, device=x.device)
    d = x.double()
    return (d - d.mean(dim=1, keepdim=True)).pow(2).sum(dim=1) / (k - 1)


def prune(
    x: torch.Tensor,
    pattern: Pattern,
    criterion: str = "magnitude",
    mitigation: str = "none",
    amber_factors: torch.Tensor | None = None,
    static_shift: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Prunes x [tokens, K] (float32; the tokens are clact's batch). Returns (x~, keep)."""
    if x.dtype != torch.float32 or x.dim() != 2:
        raise ValueError("prune() takes a 2-D float32 tensor [tokens, K]")
    if criterion not in CRITERIA:
        raise PatternError(f'"{criterion}" is not a known criterion ({", ".join(CRITERIA)})')
    if mitigation not in MITIGATIONS:
        raise PatternError(f'"{mitigation}" is not a known mitigation ({", ".join(MITIGATIONS)})')
    if pattern.kind == "dense":
        return x.clone(), torch.ones_like(x, dtype=torch.bool)
    factors = None
    if criterion == "amber":
        if amber_factors is None or amber_factors.numel() != x.shape[1]:
            raise ValueError("the amber criterion needs this consumer's per-channel factors")
        factors = amber_factors.to(device=x.device, dtype=torch.float32)
    if mitigation == "dpts":
        eta = lower_median(x).unsqueeze(1)
    elif mitigation == "spts":
        if static_shift is None:
            raise ValueError("the spts mitigation needs the site's calibrated static shift")
        eta = torch.tensor(static_shift, dtype=torch.float32, device=x.device)
    else:
        eta = None
    u = x - eta if eta is not None else x
    if criterion == "clact":
        # channel norms over the shifted values u = x - eta that are pruned (nmsim prune.ts)
        factors = channel_norms(u)
    scores = u.abs() * factors if factors is not None else u.abs()
    keep = select_keep(scores, pattern)
    out = torch.where(keep, u, torch.zeros_like(u))
    if eta is not None:
        out = out + eta
    if mitigation == "var":
        vp = _unbiased_variance(out)
        vx = _unbiased_variance(x)
        ratio = torch.where(vp > 0, vx / torch.where(vp > 0, vp, torch.ones_like(vp)), torch.ones_like(vp))
        v = torch.where(vp > 0, ratio.sqrt(), torch.ones_like(vp))
        out = (out.double() * v.unsqueeze(1)).float()
    return out, keep


# ---------------------------------------------------------------------------------------------
# Weight N:M pruning (issue 14): the same selection along each weight's input dimension.

WEIGHT_CRITERIA = ("magnitude", "wanda")


def weight_scores(weight: torch.Tensor, criterion: str = "magnitude",
                  input_norms: torch.Tensor | None = None) -> torch.Tensor:
    """float32 scores of W [out, in]: magnitude |W_ij|; wanda |W_ij| * ||X_j||_2 (Sun et al.,
    ICLR 2024, arXiv 2306.11695), X_j = input feature j over the calibration tokens.

    |w| is exact in float32 (bf16/f16 widen exactly); the wanda score is one float32 product of
    |w| and the float32 norm, as nmsim's Float32Array scores (Math.fround(|w| * norm))."""
    if criterion not in WEIGHT_CRITERIA:
        raise PatternError(f'"{criterion}" is not a weight criterion ({", ".join(WEIGHT_CRITERIA)})')
    if weight.dim() != 2:
        raise ValueError("weight_scores() takes a 2-D weight [out_features, in_features]")
    scores = weight.detach().float().abs()
    if criterion == "wanda":
        if input_norms is None or input_norms.numel() != weight.shape[1]:
            raise ValueError("the wanda criterion needs the layer's input-feature norms, one per input column")
        scores = scores * input_norms.to(device=weight.device, dtype=torch.float32).view(1, -1)
    return scores


def prune_weight(weight: torch.Tensor, pattern: Pattern, criterion: str = "magnitude",
                 input_norms: torch.Tensor | None = None,
                 rows_per_chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Prunes W [out, in] along its input (reduction) dimension: in every output row, groups of
    M consecutive input columns from column 0 keep the N highest scores (a tail of r < M keeps
    min(N, r); ties: the lower column); "unstructured" keeps the top floor(in/2) of each row.
    Each output row is a "token" of select_keep. Returns (pruned weight in W's dtype, keep)."""
    out_features = weight.shape[0]
    keep = torch.empty(weight.shape, dtype=torch.bool, device=weight.device)
    for start in range(0, out_features, rows_per_chunk):
        rows = weight[start : start + rows_per_chunk]
        norms = input_norms if criterion == "wanda" else None
        keep[start : start + rows_per_chunk] = select_keep(weight_scores(rows, criterion, norms), pattern)
    pruned = torch.where(keep, weight.detach(), torch.zeros((), dtype=weight.dtype, device=weight.device))
    return pruned, keep


class InputNormAccumulator:
    """wanda: ||X_j||_2 of a site's input over every calibration row, the sum of squares kept in
    float64 (as nmsim's channelNorms), the square root rounded to float32 at the end."""

    def __init__(self) -> None:
        self.sum_sq: torch.Tensor | None = None
        self.rows = 0

    def add(self, x: torch.Tensor) -> None:
        rows = x.detach().reshape(-1, x.shape[-1]).double()
        s = rows.pow(2).sum(dim=0)
        self.sum_sq = s if self.sum_sq is None else self.sum_sq + s
        self.rows += rows.shape[0]

    def norms(self) -> torch.Tensor:
        if self.sum_sq is None:
            raise ValueError("no calibration row reached this site")
        return self.sum_sq.sqrt().float()
