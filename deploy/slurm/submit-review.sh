#!/usr/bin/env bash
# Submits a sharded nmsim review: the array job (review.sbatch, n tasks) and the merge
# (merge.sbatch) depending on it. Prints both job ids.
#
#   deploy/slurm/submit-review.sh [--wait] SHARDS PARTS OUT [nmsim review options…]
#
# --wait: return when the merge has finished, with its exit status. Extra sbatch options for
# both jobs: NMSIM_SBATCH_OPTS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=()
if [ "${1:-}" = "--wait" ]; then wait=(--wait); shift; fi
if [ $# -lt 3 ]; then
  echo "usage: $0 [--wait] SHARDS PARTS OUT [nmsim review options…]" >&2
  exit 2
fi
shards=$1 parts=$2 out=$3
shift 3
case $shards in '' | *[!0-9]*) echo "$0: SHARDS must be a whole number ≥ 1, not '$shards'" >&2; exit 2 ;; esac
if [ "$shards" -lt 1 ]; then echo "$0: SHARDS must be ≥ 1" >&2; exit 2; fi
mkdir -p "$parts"
export NMSIM_PARTS=$parts NMSIM_OUT=$out NMSIM_SHARDS=$shards NMSIM_REVIEW_OPTS="$*"
# shellcheck disable=SC2086
jid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} --array="0-$((shards - 1))" --export=ALL "$here/review.sbatch")
jid=${jid%%;*}
echo "review array job: $jid (tasks 0-$((shards - 1)))"
rc=0
# shellcheck disable=SC2086
mid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} "${wait[@]}" --dependency="afterany:$jid" --export=ALL "$here/merge.sbatch") || rc=$?
echo "merge job: ${mid%%;*}${wait:+ (finished, exit status $rc)}"
exit "$rc"
