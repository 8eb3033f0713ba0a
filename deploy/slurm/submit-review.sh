#!/usr/bin/env bash
# Submits a sharded nmsim review and prints the job ids:
#   one stage:  the analysis array (review.sbatch, SHARDS tasks), then the merge (merge.sbatch),
#               which evaluates every design point;
#   two stages: with --points M, a second array of M tasks (review.sbatch, NMSIM_STAGE=points)
#               after the first, each evaluating one block of the design points; the merge then
#               only assembles their parts.
#
#   deploy/slurm/submit-review.sh [--wait] [--points M] SHARDS PARTS OUT [nmsim review options…]
#
# Each later job depends on the one before with afterany, so it also runs when a task failed
# and refuses naming the missing part (a point task names the missing analysis shard, the merge
# the missing point shard). --wait: return when the merge has finished, with its exit status.
# Extra sbatch options for every job: NMSIM_SBATCH_OPTS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=()
points=
while [ $# -gt 0 ]; do
  case $1 in
    --wait) wait=(--wait); shift ;;
    --points) points=${2:-}; shift 2 || { echo "$0: --points needs M" >&2; exit 2; } ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ]; then
  echo "usage: $0 [--wait] [--points M] SHARDS PARTS OUT [nmsim review options…]" >&2
  exit 2
fi
shards=$1 parts=$2 out=$3
shift 3
for n in "$shards" ${points:+"$points"}; do
  case $n in '' | *[!0-9]*) echo "$0: SHARDS and M must be whole numbers ≥ 1, not '$n'" >&2; exit 2 ;; esac
  if [ "$n" -lt 1 ]; then echo "$0: SHARDS and M must be ≥ 1" >&2; exit 2; fi
done
mkdir -p "$parts"
export NMSIM_PARTS=$parts NMSIM_OUT=$out NMSIM_REVIEW_OPTS="$*"
# shellcheck disable=SC2086
jid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} --array="0-$((shards - 1))" --export=ALL,NMSIM_STAGE=analysis "$here/review.sbatch")
jid=${jid%%;*}
echo "review analysis array job: $jid (tasks 0-$((shards - 1)))"
merge_after=$jid merge_env=NMSIM_SHARDS=$shards,NMSIM_MERGE_PREFIX=shard
if [ -n "$points" ]; then
  # shellcheck disable=SC2086
  pid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} --array="0-$((points - 1))" --dependency="afterany:$jid" --export="ALL,NMSIM_STAGE=points,NMSIM_ANALYSIS_SHARDS=$shards" "$here/review.sbatch")
  pid=${pid%%;*}
  echo "review design-point array job: $pid (tasks 0-$((points - 1)))"
  merge_after=$pid merge_env=NMSIM_SHARDS=$points,NMSIM_MERGE_PREFIX=points
fi
rc=0
# shellcheck disable=SC2086
mid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} "${wait[@]}" --dependency="afterany:$merge_after" --export="ALL,$merge_env" "$here/merge.sbatch") || rc=$?
echo "merge job: ${mid%%;*}${wait:+ (finished, exit status $rc)}"
exit "$rc"
