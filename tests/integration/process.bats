#!/usr/bin/env bats
# The container process: pid 1, args, cwd, env, user, umask, no_new_privs.

load helpers

@test "the process is pid 1 of a new pid namespace" {
	set_cmd 'echo $$; cut -d" " -f1 /proc/self/stat; read -r c </proc/1/comm; echo "$c"'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	# /proc/self/stat of `cut`, a child: not 1, but small.
	[ "${lines[1]}" -gt 1 ]
	[ "${lines[1]}" -lt 10 ]
	[ "${lines[2]}" = sh ]
}

@test "args are passed unchanged" {
	set_args sh -c 'for a in "$@"; do echo "[$a]"; done' zero 'a b' '' '$HOME' '*'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' '[a b]' '[]' '[$HOME]' '[*]')" ]
}

@test "process.cwd sets the working directory" {
	update_config '.process.cwd = "/usr/bin"'
	set_args pwd
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = /usr/bin ]
}

@test "a missing cwd is created" {
	update_config '.root.readonly = false | .process.cwd = "/new/work/dir"'
	set_args pwd
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = /new/work/dir ]
	[ -d "$BUNDLE/rootfs/new/work/dir" ]
}

@test "process.env is the whole environment (plus HOME)" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
	set_args env
	runc run test_proc
	[ "$status" -eq 0 ]
	local env
	env=$(printf '%s\n' "${lines[@]}" | grep -v '^\(SHLVL\|PWD\)=' | sort)
	[ "$env" = "$(printf '%s\n' EMPTY= 'FOO=bar baz' HOME=/root PATH=/bin:/usr/bin)" ]
}

@test "HOME comes from /etc/passwd when not set" {
	update_config '.process.user = {"uid": 1, "gid": 1}'
	set_cmd 'echo "$HOME"'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = /usr/sbin ]
}

@test "HOME from process.env wins" {
	update_config '.process.env += ["HOME=/elsewhere"]'
	set_cmd 'echo "$HOME"'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = /elsewhere ]
}

@test "user uid and gid" {
	update_config '.process.user = {"uid": 1, "gid": 1}'
	set_cmd 'id -u; id -g; id -un; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = daemon ]
	[[ "${lines[3]}" =~ ^Uid:[[:space:]]+1[[:space:]]+1[[:space:]]+1[[:space:]]+1$ ]]
	[[ "${lines[4]}" =~ ^Gid:[[:space:]]+1[[:space:]]+1[[:space:]]+1[[:space:]]+1$ ]]
	# No supplementary groups: the host's are dropped.
	[[ "${lines[5]}" =~ ^Groups:[[:space:]]*$ ]]
}

@test "user additionalGids" {
	update_config '.process.user = {"uid": 65534, "gid": 65534, "additionalGids": [1, 5, 1234]}'
	set_cmd 'id -u; id -g; id -G | tr " " "\n" | sort -n | tr "\n" " "; echo; grep "^Groups:" /proc/self/status'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = 65534 ]
	[ "${lines[2]}" = "1 5 1234 65534 " ]
	[[ "${lines[3]}" =~ ^Groups:[[:space:]]+1\ 5\ 1234[[:space:]]*$ ]]
}

@test "a uid not in /etc/passwd works" {
	update_config '.process.user = {"uid": 4321, "gid": 8765}'
	set_cmd 'id -u; id -g'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 4321 ]
	[ "${lines[1]}" = 8765 ]
}

@test "a non-root user cannot write where root could" {
	update_config '.process.user = {"uid": 1, "gid": 1} | .root.readonly = false'
	set_cmd 'touch /root/x && echo wrote || echo denied'
	runc_split run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = denied ]
}

@test "default umask is 0022" {
	set_args sh -c umask
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = 0022 ]
}

@test "process.user.umask sets the umask" {
	update_config '.process.user.umask = 63'
	set_cmd 'umask; grep ^Umask: /proc/self/status'
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0077 ]
	[[ "${lines[1]}" =~ ^Umask:[[:space:]]+0077$ ]]
}

@test "noNewPrivileges true sets no_new_privs" {
	update_config '.process.noNewPrivileges = true'
	set_cmd 'grep NoNewPrivs /proc/self/status'
	runc run test_proc
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+1$ ]]
}

@test "noNewPrivileges false leaves no_new_privs unset" {
	update_config '.process.noNewPrivileges = false'
	set_cmd 'grep NoNewPrivs /proc/self/status'
	runc run test_proc
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+0$ ]]
}

@test "oomScoreAdj is applied" {
	update_config '.process.oomScoreAdj = 123'
	set_args cat /proc/self/oom_score_adj
	runc run test_proc
	[ "$status" -eq 0 ]
	[ "$output" = 123 ]
}

@test "the process does not inherit the runtime's file descriptors" {
	set_cmd 'ls /proc/self/fd | sort -n | tr "\n" " "'
	exec 7</dev/null
	runc run test_proc
	exec 7<&-
	[ "$status" -eq 0 ]
	# stdin, stdout, stderr and the fd ls itself opens.
	[ "$output" = "0 1 2 3 " ]
}
