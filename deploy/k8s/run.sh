#!/usr/bin/env bash
# Runs a sharded nmsim job on Kubernetes, each Job after the one before has finished (Complete,
# or Failed: the next one then refuses, naming the missing part), and prints the merge's log.
# Kubernetes has no job dependency, so this script is the dependency.
#
#   deploy/k8s/run.sh [NAMESPACE] [analyze|review]      (kubectl's current context)
#
# analyze (default): analyze-job.yaml (Indexed) → merge-job.yaml.
# review: review-job.yaml (Indexed: the review's analysis) → review-points-job.yaml (Indexed: the
#         design points in blocks) → review-merge-job.yaml (assembles the report).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=(--namespace "${1:-default}")
case ${2:-analyze} in
  analyze) jobs=(nmsim-analyze:analyze-job.yaml nmsim-merge:merge-job.yaml) ;;
  review) jobs=(nmsim-review:review-job.yaml nmsim-review-points:review-points-job.yaml nmsim-review-merge:review-merge-job.yaml) ;;
  *) echo "usage: $0 [NAMESPACE] [analyze|review]" >&2; exit 2 ;;
esac
for j in "${jobs[@]}"; do kubectl "${ns[@]}" delete job "${j%%:*}" --ignore-not-found; done
for j in "${jobs[@]}"; do
  name=${j%%:*}
  kubectl "${ns[@]}" apply -f "$here/${j#*:}"
  # wait for Complete or Failed, whichever comes first; the next Job runs either way
  until kubectl "${ns[@]}" wait --for=condition=complete --timeout=10s "job/$name" >/dev/null 2>&1 ||
    kubectl "${ns[@]}" wait --for=condition=failed --timeout=1s "job/$name" >/dev/null 2>&1; do :; done
done
last=${jobs[${#jobs[@]} - 1]%%:*}
kubectl "${ns[@]}" logs "job/$last"
kubectl "${ns[@]}" wait --for=condition=complete --timeout=1s "job/$last" >/dev/null
