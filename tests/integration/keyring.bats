#!/usr/bin/env bats
# Session keyrings: a new one named _ses.<id> per container, unless
# --no-new-keyring.

load helpers

setup() {
	setup_busybox
	[ -r /proc/keys ] || skip "no /proc/keys"
	# Ids never used before: keyrings outlive their containers for a while.
	KID=kr_$(basename "$TESTDIR" | tr -dc 'a-zA-Z0-9')
	update_config '.linux.maskedPaths -= ["/proc/keys"]'
}

@test "the container gets a new session keyring named after it" {
	set_cmd 'grep -c "_ses\.'"$KID"':" /proc/keys; sleep 100'
	runc run -d "$KID"
	[ "$status" -eq 0 ]
	grep -q "_ses\.$KID:" /proc/keys
	runc run -d -b "$BUNDLE" "${KID}x"
	[ "$status" -eq 0 ]
	grep -q "_ses\.${KID}x:" /proc/keys
}

@test "--no-new-keyring does not create a session keyring" {
	set_cmd 'sleep 100'
	runc run -d --no-new-keyring "$KID"
	[ "$status" -eq 0 ]
	testcontainer "$KID" running
	! grep -q "_ses\.$KID:" /proc/keys
}

@test "create --no-new-keyring does not create a session keyring" {
	set_cmd 'sleep 100'
	runc create --no-new-keyring "$KID"
	[ "$status" -eq 0 ]
	runc start "$KID"
	[ "$status" -eq 0 ]
	testcontainer "$KID" running
	! grep -q "_ses\.$KID:" /proc/keys
}
