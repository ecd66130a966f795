#!/bin/sh
# Keeps the Auto Cloud Scaler agent running on a host without systemd: restarts it with a back-off, keeps
# its log bounded, and stops it cleanly (SIGTERM, then SIGKILL after a grace period). Installed by the VIM.
#
#   agent-supervisor.sh start DIR NODE   start (detached) unless already running
#   agent-supervisor.sh stop DIR         stop the supervisor and the agent
#   agent-supervisor.sh status DIR       exit 0 when running, 3 when not
#   agent-supervisor.sh run DIR NODE     the supervisor itself (what start runs)
set -u

command=${1:-}
dir=${2:-}
node=${3:-}
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|status DIR [NODE]" >&2
  exit 2
fi
run_dir=$dir/run
log=$dir/log/agent.log
supervisor_pid_file=$run_dir/supervisor.pid
agent_pid_file=$run_dir/agent.pid
max_log_bytes=5242880
grace_seconds=30

read_pid() { [ -f "$1" ] && sed -n '1p' "$1" 2>/dev/null; }
# A pid file may outlive its process and the pid be reused: the command line must match too.
running_as() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/cmdline" ] || return 0
  tr '\000' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
supervisor_running() { running_as "$1" "$dir/agent-supervisor.sh run"; }
agent_running() { running_as "$1" "$dir/vmm-agent.mjs"; }
note() { printf '%s supervisor: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$log"; }
# Copy, then truncate: the agent keeps appending to the same open file.
rotate_log() {
  size=$(wc -c <"$log" 2>/dev/null || echo 0)
  if [ "$size" -gt "$max_log_bytes" ]; then
    cp "$log" "$log.1" && : >"$log"
  fi
}
wait_gone() { # pid test seconds
  i=0
  while "$2" "$1" && [ "$i" -lt $(($3 * 5)) ]; do
    sleep 0.2
    i=$((i + 1))
  done
  ! "$2" "$1"
}

start() {
  if [ -z "$node" ] || [ ! -x "$node" ]; then
    echo "agent-supervisor: the Node runtime '$node' is not executable" >&2
    exit 2
  fi
  mkdir -p "$run_dir" "$dir/log"
  pid=$(read_pid "$supervisor_pid_file")
  if supervisor_running "$pid"; then
    echo "already running (supervisor $pid)"
    exit 0
  fi
  setsid nohup sh "$dir/agent-supervisor.sh" run "$dir" "$node" </dev/null >/dev/null 2>&1 &
  i=0
  while [ "$i" -lt 50 ]; do
    pid=$(read_pid "$supervisor_pid_file")
    if supervisor_running "$pid"; then
      echo "started (supervisor $pid)"
      exit 0
    fi
    sleep 0.2
    i=$((i + 1))
  done
  echo "agent-supervisor: the supervisor did not start; see $log" >&2
  exit 1
}

run() {
  mkdir -p "$run_dir" "$dir/log"
  # The pid file appears complete in one step (a hard link of a written file): of two supervisors
  # started at once one runs, and neither ever reads a half-written pid.
  claim=$run_dir/supervisor.pid.$$
  echo "$$" >"$claim"
  if ! ln "$claim" "$supervisor_pid_file" 2>/dev/null; then
    if supervisor_running "$(read_pid "$supervisor_pid_file")"; then
      rm -f "$claim"
      exit 0
    fi
    rm -f "$supervisor_pid_file"
    if ! ln "$claim" "$supervisor_pid_file" 2>/dev/null; then
      rm -f "$claim"
      exit 0
    fi
  fi
  rm -f "$claim"
  stopping=0
  agent=''
  trap 'stopping=1; [ -n "$agent" ] && kill -TERM "$agent" 2>/dev/null' TERM INT HUP
  (while sleep 30; do kill -0 "$$" 2>/dev/null || exit 0; rotate_log; done) &
  rotator=$!
  delay=1
  while [ "$stopping" = 0 ]; do
    rotate_log
    note "starting the agent"
    # A clean environment: the agent reads ACS_AGENT_* variables as options, and none may slip in.
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="${HOME:-/}" \
      "$node" "$dir/vmm-agent.mjs" --config "$dir/agent.json" </dev/null >>"$log" 2>&1 &
    agent=$!
    echo "$agent" >"$agent_pid_file"
    [ "$stopping" = 1 ] && kill -TERM "$agent" 2>/dev/null
    started=$(date +%s)
    wait "$agent"
    code=$?
    if [ "$stopping" = 1 ]; then
      # The wait above returned on the signal; the agent is still finishing its shutdown.
      (sleep "$grace_seconds" && kill -KILL "$agent" 2>/dev/null) &
      killer=$!
      wait "$agent" 2>/dev/null
      kill "$killer" 2>/dev/null
      break
    fi
    ran=$(($(date +%s) - started))
    if [ "$ran" -ge 60 ]; then delay=1; fi
    note "the agent exited with code $code after ${ran}s; restarting in ${delay}s"
    sleep "$delay" &
    sleeper=$!
    wait "$sleeper" 2>/dev/null
    kill "$sleeper" 2>/dev/null
    delay=$((delay * 2))
    if [ "$delay" -gt 30 ]; then delay=30; fi
  done
  kill "$rotator" 2>/dev/null
  rm -f "$agent_pid_file" "$supervisor_pid_file"
  note "stopped"
}

stop() {
  pid=$(read_pid "$supervisor_pid_file")
  if supervisor_running "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    if ! wait_gone "$pid" supervisor_running $((grace_seconds + 10)); then kill -KILL "$pid" 2>/dev/null; fi
  fi
  # An agent whose supervisor was killed outright still gets its SIGTERM.
  agent=$(read_pid "$agent_pid_file")
  if agent_running "$agent"; then
    kill -TERM "$agent" 2>/dev/null
    if ! wait_gone "$agent" agent_running "$grace_seconds"; then kill -KILL "$agent" 2>/dev/null; fi
  fi
  rm -f "$supervisor_pid_file" "$agent_pid_file"
  echo "stopped"
}

status() {
  pid=$(read_pid "$supervisor_pid_file")
  if supervisor_running "$pid"; then
    echo "running (supervisor $pid, agent $(read_pid "$agent_pid_file"))"
    exit 0
  fi
  echo "stopped"
  exit 3
}

case "$command" in
start) start ;;
stop) stop ;;
status) status ;;
run) run ;;
*)
  echo "usage: $0 start|stop|status DIR [NODE]" >&2
  exit 2
  ;;
esac
