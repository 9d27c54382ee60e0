#!/usr/bin/env bash
# The example service's client test, as CI runs it: build the binary, start it on a free local
# port over a throw-away SQLite file with example.json, replay the seeds' curl requests with
# curl, check status codes and bodies, stop it. Cleans up on any exit (trap).
#
#   bash service/client-test.sh [--built]   (from anywhere; needs cargo and curl)
set -euo pipefail
cd "$(dirname "$0")/.."

# `--built`: the binary the test run built (`cargo test --workspace --all-features` links it,
# for the service's own tests); `cargo build` would resolve features without the
# dev-dependencies and build the library and the service a second time.
bin=target/debug/shareguard-service
if [ "${1:-}" = "--built" ]; then
    [ -x "$bin" ] || { echo "client-test.sh: no $bin: run the tests first" >&2; exit 1; }
else
    cargo build --quiet -p shareguard-service --all-features
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/shareguard-service-client.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" --config service/example.json --db "$work/store.db" --listen 127.0.0.1:0 \
    >"$work/stdout" 2>"$work/stderr" &
pid=$!
base=
for _ in $(seq 1 300); do
    base=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
    [ -n "$base" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "the service exited:" >&2; cat "$work/stderr" >&2; exit 1; }
    sleep 0.1
done
[ -n "$base" ] || { echo "the service did not start within 30 s" >&2; exit 1; }
echo "service at $base"

passed=0
failed=0
# check NAME STATUS BODY-SUBSTRING CURL-ARGS... (the URL is the last argument, a path)
check() {
    local name=$1 want_status=$2 want_body=$3
    shift 3
    local args=("$@") path
    path=${args[-1]}
    unset 'args[-1]'
    local out status body
    out=$(curl --silent --show-error --max-time 10 --write-out '\n%{http_code}' "${args[@]}" "$base$path") || {
        echo "FAIL $name: curl failed"; failed=$((failed + 1)); return; }
    status=${out##*$'\n'}
    body=${out%$'\n'*}
    if [ "$status" = "$want_status" ] && [[ "$body" == *"$want_body"* ]]; then
        echo "ok   $name ($status)"
        passed=$((passed + 1))
    else
        echo "FAIL $name: wanted $want_status with ${want_body@Q}, got $status: $body"
        failed=$((failed + 1))
    fi
}

lf_admin=nkpIxMK9ucUUE7FvfNpdAf:x
lf_user=lfUserKey7Qx2Rm9Tb4Wv8Ya1Zc:x
add='{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}'
check "liquidfiles add_access" 200 \
    '[{"group":"admins","result":"success","message":"Created Group","write":true,"view_log":true},{"user":"user-company-com","result":"success","message":"Created User","write":false,"view_log":false}]' \
    -X POST -H "Accept: application/json" -H "Content-Type: application/json" --user "$lf_admin" -d "$add" \
    /admin/shares/project-alpha/add_access
check "liquidfiles remove_access" 200 '[{"user":"user-company-com","result":"success","message":"Removed User"}]' \
    -X DELETE -H "Accept: application/json" -H "Content-Type: application/json" --user "$lf_admin" \
    -d '{"user":"user-company-com"}' /admin/shares/project-alpha/remove_access
check "liquidfiles wrong key" 401 '"unauthorized"' -X POST --user wrong:x -d "$add" /admin/shares/project-alpha/add_access
check "liquidfiles no right" 403 '"result":"error"' -X POST --user "$lf_user" -d "$add" /admin/shares/project-alpha/add_access
check "liquidfiles unknown share" 404 '"not_found"' -X POST --user "$lf_admin" -d "$add" /admin/shares/nope/add_access

filr_admin=admin:filrAdminKey-3f9a1c7e5b2d4086e1
filr_guest=guest:filrGuestKey-8e2b6d0a4c1f3957b2
check "filr list" 200 '{"first":0,"count":3,"total":3,"items":[{"id":1,' -k -u "$filr_admin" /rest/admin/shares
check "filr shared_by" 200 '"total":2,' -k -u "$filr_admin" '/rest/admin/shares?shared_by=20'
check "filr shared_with" 200 '"recipient":{"type":"user","id":140,"href":"/users/140"}' -k -u "$filr_admin" '/rest/admin/shares?shared_with=140'
check "filr first and count" 200 '{"first":1,"count":1,"total":3,"items":[{"id":2,' -u "$filr_admin" '/rest/admin/shares?first=1&count=1'
check "filr public" 200 '"recipient":{"type":"public"}' -k -u "$filr_admin" /rest/admin/shares/public
check "filr wrong password" 401 '"unauthorized"' -u admin:novell /rest/admin/shares
check "filr delete, no right" 403 '"not_permitted"' -u "$filr_guest" -X DELETE /rest/admin/shares/3
check "filr delete" 204 '' -k -u "$filr_admin" -X DELETE /rest/admin/shares/3
check "filr delete, unknown share" 404 '"not_found"' -k -u "$filr_admin" -X DELETE /rest/admin/shares/24

room='{"invitations": [{"value": {"email": "Nathanael.Mayer55@gmail.com", "id": "6941feb5-054e-4164-9706-a2acfb484098"}}], "notify": true, "message": "some text", "culture": "some text"}'
owner_cookie=asc_auth_key=864FE52C-1C1C-469F-9308-51DAFEFE7436
check "onlyoffice room share" 200 '{"access":"Read","sharedTo":{"id":"6941feb5-054e-4164-9706-a2acfb484098"},"isLocked":false,"isOwner":false,"canEditAccess":true,"subjectType":"User"}' \
    --request PUT --header 'Accept: application/json' --header 'Content-Type: application/json' \
    --cookie "$owner_cookie" --data "$room" /api/2.0/files/rooms/2330/share
check "onlyoffice no cookie" 401 '"unauthorized"' --request PUT --data "$room" /api/2.0/files/rooms/2330/share
check "onlyoffice no right" 403 '"not_permitted"' --request PUT \
    --cookie asc_auth_key=0E4B7C19-5A2D-4F63-8B1E-9C7D2A6F3E05 --data "$room" /api/2.0/files/rooms/2330/share
check "onlyoffice unknown room" 404 '"not_found"' --request PUT --cookie "$owner_cookie" --data "$room" /api/2.0/files/rooms/9999/share

folder=/services/data/v41.0/folders/00lxx000000flSFAAY/shares
sf_owner='Authorization: Bearer 00Dxx0000001gEREAY!AQ4AQOwnerToken7f3c9b2e1d5a'
sf_viewer='Authorization: Bearer 00Dxx0000001gEREAY!AQ4AQViewerToken4b8e2c6a0f1'
patch='{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }'
check "salesforce get" 200 '{"shareId":"004xx000001Sy1GAAS","accessType":"Manage","shareType":"User","sharedWithId":"005xx000001Sy1GAAS"}' \
    -H "$sf_owner" "$folder/004xx000001Sy1GAAS"
check "salesforce patch" 200 '"accessType":"Manage"' -X PATCH -H "$sf_owner" -H 'Content-Type: application/json' -d "$patch" "$folder/004xx000003Kg8yAAC"
check "salesforce missing permission" 403 '[{"errorCode":"FUNCTIONALITY_NOT_ENABLED","message":"access denied (not_permitted)"}]' \
    -X PATCH -H "$sf_viewer" -d "$patch" "$folder/004xx000003Kg8yAAC"
check "salesforce wrong token" 401 '"errorCode":"INVALID_SESSION_ID"' -H 'Authorization: Bearer wrong' "$folder/004xx000001Sy1GAAS"
check "salesforce delete" 200 '' -X DELETE -H "$sf_owner" "$folder/004xx000003Kg8yAAC"
check "salesforce unknown share" 404 '[{"errorCode":"NOT_FOUND","message":"no folder share `004xx000003Kg8yAAC`"}]' \
    -H "$sf_owner" "$folder/004xx000003Kg8yAAC"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
