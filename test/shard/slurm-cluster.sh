#!/usr/bin/env bash
# A single-node Slurm cluster on localhost that lives in one folder (for the Slurm end-to-end
# test, test/shard/slurm.test.ts): its own munge key and munged socket, a generated slurm.conf,
# slurmctld and slurmd with their state, spool, logs and pid files, on free ports.
#
#   slurm-cluster.sh start DIR   → prints SLURM_CONF=DIR/slurm.conf once the node is idle
#   slurm-cluster.sh stop DIR    → scontrol shutdown, then ends the daemons by their pid files
#
# Needs slurmctld, slurmd, sbatch, scontrol, munged (Debian: slurm-wlm, munge). Run as root or
# as the user the jobs run as (SlurmUser/SlurmdUser are this user).
set -euo pipefail
cmd=${1:?start|stop}
dir=$(cd "${2:?folder}" && pwd)
conf=$dir/slurm.conf

pid_of() { [ -s "$1" ] && cat "$1" || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

end_pid() {
  local pid=$1 _
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  local ctld d _
  ctld=$(pid_of "$dir/run/slurmctld.pid")
  d=$(pid_of "$dir/run/slurmd.pid")
  # the controller stops itself and its slurmd; a daemon still there after 5 s is ended by its pid
  SLURM_CONF=$conf timeout 10 scontrol shutdown >/dev/null 2>&1 || true
  for _ in $(seq 50); do alive "$ctld" || alive "$d" || break; sleep 0.1; done
  end_pid "$d"
  end_pid "$ctld"
  end_pid "$(pid_of "$dir/run/munged.pid")"
}

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port" >&2
  return 1
}

start() {
  for b in slurmctld slurmd sbatch scontrol munged; do
    command -v "$b" >/dev/null 2>&1 || { echo "missing: $b" >&2; exit 3; }
  done
  mkdir -p "$dir/munge" "$dir/run" "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir" "$dir/munge" "$dir/run" "$dir/state" "$dir/spool" "$dir/log"
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  local force=()
  [ "$(id -u)" -eq 0 ] && force=(--force)
  munged "${force[@]}" --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
  local user host cpus mem ctld_port d_port
  user=$(id -un)
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
  ctld_port=$(free_port)
  d_port=$(free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(free_port); done
  cat >"$conf" <<CONF
ClusterName=nmsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmdTimeout=30
SlurmctldTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$conf
  slurmctld -c -f "$conf"
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
  scontrol ping 2>/dev/null | grep -q UP || { echo "slurmctld did not come up; log:" >&2; tail -20 "$dir/log/slurmctld.log" >&2; exit 4; }
  slurmd -f "$conf" -N "$host"
  for _ in $(seq 150); do
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1)
    [ "$state" = idle ] && break
    sleep 0.2
  done
  [ "$state" = idle ] || { echo "the node is '$state', not idle; slurmd log:" >&2; tail -20 "$dir/log/slurmd.log" >&2; exit 4; }
  echo "SLURM_CONF=$conf"
}

case $cmd in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
