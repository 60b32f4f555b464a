#!/usr/bin/env bash
# The container engine for `make image` and its checks, and the flags it needs here.
#
#   tests/image/engine.sh           prints the engine: docker if its engine answers, else podman
#   tests/image/engine.sh global    prints extra global flags (before `build`, `run`, `exec` ...)
#   tests/image/engine.sh flags     prints extra flags for `podman build` and `podman run`
#
# The flags are empty for docker and on an ordinary host. In a sandbox like the machine this
# project is developed on, podman's defaults fail: root may not raise its hard rlimits, so the
# runtime cannot set podman's RLIMIT_NOFILE and RLIMIT_NPROC ("setrlimit ...: Operation not
# permitted"), and crun refuses hybrid cgroups (v1 with a cgroup2 tree beside it). Then the
# flags keep this shell's limits (processes capped at 32768, the most runc could set there) and
# pick runc, if installed. CONTAINER_ENGINE set in the environment wins.
set -eu

engine() {
	if [ -n "${CONTAINER_ENGINE:-}" ]; then
		echo "$CONTAINER_ENGINE"
	elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
		echo docker
	else
		echo podman
	fi
}

global() {
	[ "$(engine)" = podman ] || return 0
	# cgroup v1 with a cgroup2 tree beside it: crun refuses ("cgroups in hybrid mode").
	if [ -d /sys/fs/cgroup/unified ] && command -v runc >/dev/null 2>&1; then
		echo --runtime runc
	fi
}

flags() {
	[ "$(engine)" = podman ] || return 0
	# Root here cannot raise its own hard limits: pass the current ones, as podman's defaults
	# (a million open files, four million processes) cannot be set.
	if ! (ulimit -Hn 1048576) 2>/dev/null; then
		local nofile nproc
		nofile=$(ulimit -n)
		nproc=$(ulimit -u)
		[ "$nproc" != unlimited ] && [ "$nproc" -le 32768 ] || nproc=32768
		echo --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc"
	fi
}

case "${1:-}" in
"") engine ;;
global) global ;;
flags) flags ;;
*)
	echo "usage: $0 [global|flags]" >&2
	exit 2
	;;
esac
