#!/usr/bin/env bash
# A one-node Slurm cluster on this machine for the slurm tests: munged, slurmctld and slurmd,
# all from Debian's slurm-wlm and munge, with their key, sockets, state, logs and ports inside
# one folder, so that nothing of the machine's own Slurm (if any) is touched.
#   slurm_cluster.sh start DIR   starts the daemons and waits until the node is idle; prints the
#                                SLURM_CONF to export
#   slurm_cluster.sh stop DIR    cancels every job and stops the daemons
# As an ordinary user the daemons run as that user (SlurmUser and SlurmdUser), which a one-node
# cluster running only that user's jobs allows.
set -euo pipefail
action=${1:?usage: slurm_cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm_cluster.sh start|stop DIR}")
conf="$dir/slurm.conf"

stop() {
  if [ -f "$conf" ]; then
    SLURM_CONF="$conf" scancel --user="$(id -un)" 2>/dev/null || true
  fi
  for pid_file in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if [ -f "$pid_file" ]; then
      pid=$(cat "$pid_file")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pid_file"
    fi
  done
  if [ -f "$dir/socket-dir" ]; then
    rm -rf "$(cat "$dir/socket-dir")" "$dir/socket-dir"
  fi
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi
[ "$action" = start ] || { echo "error: slurm_cluster.sh: unknown action $action" >&2; exit 2; }

for program in munged slurmctld slurmd sbatch squeue; do
  command -v "$program" >/dev/null || PATH="$PATH:/usr/sbin"
  command -v "$program" >/dev/null || {
    echo "error: $program is not installed (Debian packages slurm-wlm and munge)" >&2
    exit 2
  }
done

rm -rf "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"
# Free TCP ports for slurmctld and slurmd, so that several clusters (or the machine's own) can
# run side by side.
read -r ctld_port slurmd_port < <(python3 - <<'PY' 2>/dev/null || echo "$((20000 + RANDOM % 20000)) $((40000 + RANDOM % 20000))"
import socket
ports = []
sockets = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sockets.append(s)
    ports.append(s.getsockname()[1])
print(*ports)
PY
)
user=$(id -un)
host=$(hostname -s)
# Unix sockets (munged's, and slurmd's in its spool folder) have paths of at most 107 bytes:
# under a deep TMPDIR they go to a short folder of their own.
sockets="$dir"
if [ ${#dir} -gt 50 ]; then
  sockets=$(mktemp -d /tmp/sy-slurm.XXXXXX)
  echo "$sockets" >"$dir/socket-dir"
fi
mkdir -p "$sockets/spool"
socket="$sockets/munge.socket"
cat >"$conf" <<CONF
ClusterName=switchyard-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmUser=$user
SlurmdUser=$user
StateSaveLocation=$dir/state
SlurmdSpoolDir=$sockets/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --key-file="$dir/munge/munge.key" --socket="$socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" --force
export SLURM_CONF="$conf"
trap 'stop; echo "error: the Slurm cluster in $dir did not start; see $dir/log" >&2' ERR
slurmctld -f "$conf"
slurmd -f "$conf"
for _ in $(seq 150); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && { trap - ERR; echo "SLURM_CONF=$conf"; exit 0; }
  sleep 0.2
done
stop
echo "error: the Slurm node in $dir never became idle (state: ${state:-none}); see $dir/log" >&2
exit 1
