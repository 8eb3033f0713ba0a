#!/usr/bin/env bash
# Submits a sharded nmsim analysis: the array job (analyze.sbatch, n tasks) and the merge
# (merge.sbatch) as a job that depends on it. Prints both job ids.
#
#   deploy/slurm/submit-analysis.sh [--wait] SHARDS BUNDLE PARTS OUT [nmsim analyze options…]
#
# --wait: return when the merge has finished, with its exit status (sbatch --wait).
# Extra sbatch options for both jobs: NMSIM_SBATCH_OPTS (e.g. "--partition=cpu --account=arch").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=()
if [ "${1:-}" = "--wait" ]; then wait=(--wait); shift; fi
if [ $# -lt 4 ]; then
  echo "usage: $0 [--wait] SHARDS BUNDLE PARTS OUT [nmsim analyze options…]" >&2
  exit 2
fi
shards=$1 bundle=$2 parts=$3 out=$4
shift 4
case $shards in '' | *[!0-9]*) echo "$0: SHARDS must be a whole number ≥ 1, not '$shards'" >&2; exit 2 ;; esac
if [ "$shards" -lt 1 ]; then echo "$0: SHARDS must be ≥ 1" >&2; exit 2; fi
mkdir -p "$parts"
export NMSIM_BUNDLE=$bundle NMSIM_PARTS=$parts NMSIM_OUT=$out NMSIM_SHARDS=$shards NMSIM_ANALYZE_OPTS="$*"
# shellcheck disable=SC2086
jid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} --array="0-$((shards - 1))" --export=ALL "$here/analyze.sbatch")
jid=${jid%%;*}
echo "analysis array job: $jid (tasks 0-$((shards - 1)))"
# afterany: the merge also runs when a task failed, and names the missing shard
# shellcheck disable=SC2086
rc=0
mid=$(sbatch --parsable ${NMSIM_SBATCH_OPTS:-} "${wait[@]}" --dependency="afterany:$jid" --export=ALL "$here/merge.sbatch") || rc=$?
echo "merge job: ${mid%%;*}${wait:+ (finished, exit status $rc)}"
exit "$rc"
