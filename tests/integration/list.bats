#!/usr/bin/env bats
# runc list: the containers under --root.

load helpers

HEADER_RE='^ID +PID +STATUS +BUNDLE +CREATED +OWNER *$'

# Three containers: one running, one created, one stopped.
make_three() {
	set_args sleep 100
	runc run -d c_running
	[ "$status" -eq 0 ]
	runc create c_created
	[ "$status" -eq 0 ]
	set_args true
	runc run -d c_stopped
	[ "$status" -eq 0 ]
	wait_for_status c_stopped stopped
}

@test "list with no containers prints the header" {
	runc_split list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ $HEADER_RE ]]
}

@test "list with a root that does not exist is an error" {
	# As runc 1.2: only its default root may be missing.
	ROOT=$TESTDIR/no-such-root
	runc_split list
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"no-such-root: no such file or directory"* ]]
}

@test "list shows every container with its status" {
	make_three
	runc_split list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" =~ $HEADER_RE ]]

	local line id pid st bundle created owner
	for line in "${lines[@]:1}"; do
		read -r id pid st bundle created owner <<<"$line"
		case "$id" in
		c_running)
			[ "$st" = running ]
			[ "$pid" = "$(container_pid c_running)" ]
			;;
		c_created)
			[ "$st" = created ]
			[ "$pid" = "$(container_pid c_created)" ]
			;;
		c_stopped)
			[ "$st" = stopped ]
			[ "$pid" = 0 ]
			;;
		*) fail "unexpected line: $line" ;;
		esac
		[ "$bundle" = "$BUNDLE" ]
		[[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
		[ "$owner" = "$(id -un)" ]
	done
}

@test "list sorts by id and aligns the columns under the header" {
	make_three
	runc_split list
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | tr '\n' ' ')" = "c_created c_running c_stopped " ]
	# Each column starts where its header starts.
	local col hdr=${lines[0]} off line
	for col in PID STATUS BUNDLE CREATED OWNER; do
		off=${hdr%%"$col"*}
		off=${#off}
		for line in "${lines[@]:1}"; do
			[ "${line:off-1:1}" = " " ] || fail "column $col misaligned in: $line"
			[ "${line:off:1}" != " " ] || fail "column $col misaligned in: $line"
		done
	done
	# Columns are separated by at least one space, padded to 12 at least.
	[[ "$hdr" == "ID          PID         STATUS      BUNDLE "* ]]
}

@test "list --format json" {
	make_three
	runc_split list --format json
	[ "$status" -eq 0 ]
	jq -e 'type == "array" and length == 3' <<<"$output"
	[ "$(jq -r '.[].id' <<<"$output" | tr '\n' ' ')" = "c_created c_running c_stopped " ]
	[ "$(jq -r '.[] | select(.id == "c_running") | .status' <<<"$output")" = running ]
	[ "$(jq -r '.[] | select(.id == "c_created") | .status' <<<"$output")" = created ]
	[ "$(jq -r '.[] | select(.id == "c_stopped") | .status' <<<"$output")" = stopped ]
	[ "$(jq -r '.[] | select(.id == "c_running") | .pid' <<<"$output")" = "$(container_pid c_running)" ]
	[ "$(jq -r '.[] | select(.id == "c_stopped") | .pid' <<<"$output")" = 0 ]
	[ "$(jq -r '.[0].bundle' <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r '.[0].rootfs' <<<"$output")" = "$BUNDLE/rootfs" ]
	jq -e 'all(.[]; has("ociVersion") and has("created") and has("owner"))' <<<"$output"
	[ "$(jq -r '.[0].owner' <<<"$output")" = "$(id -un)" ]
}

@test "list -f json with no containers prints an empty list" {
	runc_split list -f json
	[ "$status" -eq 0 ]
	[ "$(jq 'length' <<<"$output")" = 0 ]
}

@test "list -f json includes annotations" {
	update_config '.annotations = {"org.example.a": "b"}'
	set_args sleep 100
	runc run -d c_ann
	[ "$status" -eq 0 ]
	runc_split list -f json
	[ "$(jq -r '.[0].annotations["org.example.a"]' <<<"$output")" = b ]
}

@test "list --quiet prints only ids" {
	make_three
	runc_split list --quiet
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'c_created\nc_running\nc_stopped')" ]
}

@test "list -q prints only ids" {
	make_three
	runc_split list -q
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = c_created ]
}

@test "list -q with no containers prints nothing" {
	runc_split list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "list only shows containers of its own root" {
	set_args sleep 100
	runc run -d c_mine
	[ "$status" -eq 0 ]
	local myroot=$ROOT
	ROOT=$TESTDIR/other-root
	mkdir "$ROOT"
	runc_split list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	ROOT=$myroot
	runc_split list -q
	[ "$output" = c_mine ]
}

@test "list reflects a container that stopped by itself" {
	set_cmd 'sleep 0.3'
	runc run -d c_short
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 100); do
		runc_split list -f json
		[ "$(jq -r '.[0].status' <<<"$output")" = running ] || break
		sleep 0.1
	done
	[ "$(jq -r '.[0].status' <<<"$output")" = stopped ]
}

@test "list --help gives --format's default once" {
	runc_split list --help
	[ "$status" -eq 0 ]
	local line
	line=$(grep -- '--format' <<<"$output")
	[[ "$line" == *'select one of: table or json (default: "table")'* ]]
	[ "$(grep -o 'default: "table"' <<<"$line" | wc -l)" -eq 1 ]
}

@test "list of many containers: sorted, each with its own status, a damaged one warned in its place" {
	make_three
	# 60 more stopped containers: copies of c_stopped's state under other
	# ids (enough that list reads them on several goroutines), one of them
	# damaged.
	local i id
	for i in $(seq -w 1 60); do
		id=m_$i
		mkdir "$ROOT/$id"
		jq -c --arg id "$id" '.id = $id' "$ROOT/c_stopped/state.json" >"$ROOT/$id/state.json"
	done
	echo '{"id": "m_30", "trunc' >"$ROOT/m_30/state.json"

	runc_split list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 64 ]
	local ids
	ids=$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}')
	[ "$ids" = "$(printf '%s\n' c_created c_running c_stopped m_{01..60} | LC_ALL=C sort)" ]
	local line st
	for line in "${lines[@]:1}"; do
		read -r id _ st _ <<<"$line"
		case "$id" in
		c_running) [ "$st" = running ] ;;
		c_created) [ "$st" = created ] ;;
		m_30) [ "$st" = unknown ] ;;
		*) [ "$st" = stopped ] || fail "$line" ;;
		esac
	done
	[ "$(grep -c 'level=warning' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"container m_30: damaged container state"* ]]

	runc_split list -f json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[].id' <<<"$output")" = "$ids" ]
	[ "$(jq -r '.[] | select(.id == "c_running") | .pid' <<<"$output")" = "$(container_pid c_running)" ]

	rm -rf "$ROOT"/m_*
}
