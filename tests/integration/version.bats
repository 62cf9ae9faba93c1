#!/usr/bin/env bats
# runc --version / -v

load helpers

check_version_output() {
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^runc\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "$output" =~ (^|$'\n')commit:\ [^$'\n']+ ]]
	[[ "$output" =~ (^|$'\n')spec:\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "$output" =~ (^|$'\n')go:\ go[0-9]+\.[0-9]+ ]]
	[[ "$output" =~ (^|$'\n')libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "runc --version" {
	runc_split --version
	check_version_output
	[ -z "$stderr" ]
}

@test "runc -v" {
	runc_split -v
	check_version_output
}

@test "-v and --version print the same text" {
	local a b
	a=$("$RUNC" --version)
	b=$("$RUNC" -v)
	[ "$a" = "$b" ]
}

@test "version lines come in the documented order" {
	runc_split --version
	[ "$status" -eq 0 ]
	local keys
	keys=$(printf '%s\n' "${lines[@]}" | sed -n 's/^\(runc version\|commit\|spec\|go\|libseccomp\)\b.*/\1/p' | tr '\n' ' ')
	[ "$keys" = "runc version commit spec go libseccomp " ]
}

@test "libseccomp version is the one on this machine" {
	local have
	have=$(dpkg-query -W -f='${Version}' libseccomp2 2>/dev/null) || skip "libseccomp2 version unknown"
	have=${have%%-*}
	runc_split --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"libseccomp: $have"* ]]
}

@test "the repository's binary reports the VERSION file" {
	[ "$RUNC" = "$REPO_ROOT/runc" ] || skip "not testing the repository's binary"
	[ -f "$REPO_ROOT/VERSION" ] || skip "no VERSION file"
	runc_split --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "runc version $(cat "$REPO_ROOT/VERSION")" ]
}

@test "spec version matches the ociVersion written by runc spec" {
	runc_split --version
	[ "$status" -eq 0 ]
	local spec
	spec=$(printf '%s\n' "${lines[@]}" | sed -n 's/^spec: //p')
	[ -n "$spec" ]
	mkdir "$TESTDIR/s"
	"$RUNC" spec -b "$TESTDIR/s"
	[ "$(jq -r .ociVersion "$TESTDIR/s/config.json")" = "$spec" ]
}
