#!/usr/bin/env bash
# Runs a sharded nmsim analysis on Kubernetes: the Indexed Job, then (once every index has
# succeeded, or the Job has failed) the merge Job, whose log is printed. Kubernetes has no job
# dependency, so this script is the dependency.
#
#   deploy/k8s/run.sh [NAMESPACE]      (kubectl's current context)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=(--namespace "${1:-default}")
kubectl "${ns[@]}" delete job nmsim-analyze nmsim-merge --ignore-not-found
kubectl "${ns[@]}" apply -f "$here/analyze-job.yaml"
# wait for Complete or Failed, whichever comes first
until kubectl "${ns[@]}" wait --for=condition=complete --timeout=10s job/nmsim-analyze >/dev/null 2>&1 ||
  kubectl "${ns[@]}" wait --for=condition=failed --timeout=1s job/nmsim-analyze >/dev/null 2>&1; do :; done
# the merge runs either way: with a failed index it refuses, naming the missing shard
kubectl "${ns[@]}" apply -f "$here/merge-job.yaml"
until kubectl "${ns[@]}" wait --for=condition=complete --timeout=10s job/nmsim-merge >/dev/null 2>&1 ||
  kubectl "${ns[@]}" wait --for=condition=failed --timeout=1s job/nmsim-merge >/dev/null 2>&1; do :; done
kubectl "${ns[@]}" logs job/nmsim-merge
kubectl "${ns[@]}" wait --for=condition=complete --timeout=1s job/nmsim-merge >/dev/null
