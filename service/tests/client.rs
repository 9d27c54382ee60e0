#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The built `shareguard-service`, tested as a client uses it: started on a free local port
//! over a fresh SQLite file, with `example.json`'s principals and seed shares, and asked the
//! seeds' own `curl` requests by `curl` itself. Each test has its own server and store.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// The example configuration's test keys (never use them anywhere else).
const LIQUIDFILES_ADMIN: &str = "nkpIxMK9ucUUE7FvfNpdAf";
const LIQUIDFILES_USER: &str = "lfUserKey7Qx2Rm9Tb4Wv8Ya1Zc";
const FILR_ADMIN: &str = "admin:filrAdminKey-3f9a1c7e5b2d4086e1";
const FILR_GUEST: &str = "guest:filrGuestKey-8e2b6d0a4c1f3957b2";
const DOCSPACE_OWNER: &str = "asc_auth_key=864FE52C-1C1C-469F-9308-51DAFEFE7436";
const DOCSPACE_GUEST: &str = "asc_auth_key=0E4B7C19-5A2D-4F63-8B1E-9C7D2A6F3E05";
const SALESFORCE_OWNER: &str =
    "Authorization: Bearer 00Dxx0000001gEREAY!AQ4AQOwnerToken7f3c9b2e1d5a";
const SALESFORCE_VIEWER: &str =
    "Authorization: Bearer 00Dxx0000001gEREAY!AQ4AQViewerToken4b8e2c6a0f1";

/// A running service, stopped and its store removed when dropped.
struct Server {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Server {
    fn start() -> Server {
        let dir = std::env::temp_dir().join(format!(
            "shareguard-service-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (child, line) = spawn(&dir);
        Server { child, base: address(&line), dir }
    }

    /// Stops the service and starts it again on the same store; the new start-up line.
    fn restart(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, line) = spawn(&self.dir);
        self.child = child;
        self.base = address(&line);
        line
    }

    /// `curl` with these arguments on `path`: the status and the body.
    fn curl(&self, path: &str, args: &[&str]) -> (u16, String) {
        let out = Command::new("curl")
            .args(["--silent", "--show-error", "--max-time", "10", "--write-out", "\n%{http_code}"])
            .args(args)
            .arg(format!("{}{path}", self.base))
            .output()
            .expect("curl is installed");
        assert!(out.status.success(), "curl failed: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.parse().unwrap(), body.to_owned())
    }

    /// As [`Server::curl`], the body read as JSON.
    fn curl_json(&self, path: &str, args: &[&str]) -> (u16, Value) {
        let (status, body) = self.curl(path, args);
        let value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body:?} (status {status})"));
        (status, value)
    }
}

/// Starts the built binary over `dir/store.db`; the child and its start-up line.
fn spawn(dir: &Path) -> (Child, String) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_shareguard-service"))
        .arg("--config")
        .arg(manifest.join("example.json"))
        .arg("--db")
        .arg(dir.join("store.db"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // The first line says where it listens; wait for it, but not forever.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(line) if !line.is_empty() => (child, line),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the service did not say where it listens within 30 s");
        }
    }
}

/// The `http://…` of a start-up line.
fn address(line: &str) -> String {
    line.split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in the start-up line {line:?}"))
        .to_owned()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---- LiquidFiles (seed 001) ----

const ADD_ACCESS: &str = r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#;

fn liquidfiles(key: &str) -> String {
    format!("{key}:x")
}

#[test]
fn liquidfiles_add_access_answers_a_result_per_item() {
    let server = Server::start();
    let user = liquidfiles(LIQUIDFILES_ADMIN);
    // The seed's "shorter" curl, as written.
    let args = [
        "-X",
        "POST",
        "-H",
        "Accept: application/json",
        "-H",
        "Content-Type: application/json",
        "--user",
        &user,
        "-d",
        ADD_ACCESS,
    ];
    let (status, body) = server.curl_json("/admin/shares/project-alpha/add_access", &args);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([
            {"group": "admins", "result": "success", "message": "Created Group", "write": true, "view_log": true},
            {"user": "user-company-com", "result": "success", "message": "Created User", "write": false, "view_log": false}
        ])
    );
    // The same request again updates the shares it made.
    let (status, body) = server.curl_json("/admin/shares/project-alpha/add_access", &args);
    assert_eq!(status, 200);
    assert_eq!(body[0]["message"], "Updated Group");
    assert_eq!(body[1]["message"], "Updated User");
}

#[test]
fn liquidfiles_remove_access_removes_the_user() {
    let server = Server::start();
    let user = liquidfiles(LIQUIDFILES_ADMIN);
    let add = ["-X", "POST", "--user", &user, "-d", ADD_ACCESS];
    assert_eq!(server.curl("/admin/shares/project-alpha/add_access", &add).0, 200);
    let remove = [
        "-X",
        "DELETE",
        "-H",
        "Accept: application/json",
        "-H",
        "Content-Type: application/json",
        "--user",
        &user,
        "-d",
        r#"{"user":"user-company-com"}"#,
    ];
    let (status, body) = server.curl_json("/admin/shares/project-alpha/remove_access", &remove);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{"user": "user-company-com", "result": "success", "message": "Removed User"}])
    );
    // Nothing is left to remove: the item's own error, not a failed request.
    let (status, body) = server.curl_json("/admin/shares/project-alpha/remove_access", &remove);
    assert_eq!((status, &body[0]["result"]), (200, &json!("error")));
}

#[test]
fn liquidfiles_refuses_a_wrong_key_with_401() {
    let server = Server::start();
    for user in ["not-a-key:x", ":x"] {
        let args = ["-X", "POST", "--user", user, "-d", ADD_ACCESS];
        let (status, body) = server.curl_json("/admin/shares/project-alpha/add_access", &args);
        assert_eq!((status, &body["error"]["code"]), (401, &json!("unauthorized")), "{user}");
    }
    let (status, _) =
        server.curl("/admin/shares/project-alpha/add_access", &["-X", "POST", "-d", ADD_ACCESS]);
    assert_eq!(status, 401, "no credentials at all");
}

#[test]
fn liquidfiles_answers_403_when_every_item_is_denied() {
    let server = Server::start();
    let user = liquidfiles(LIQUIDFILES_USER);
    let args = ["-X", "POST", "--user", &user, "-d", ADD_ACCESS];
    let (status, body) = server.curl_json("/admin/shares/project-alpha/add_access", &args);
    assert_eq!(status, 403);
    let items = body.as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["result"], "error");
        assert!(item["message"].as_str().unwrap().contains("not_permitted"), "{item}");
        assert!(item.get("write").is_none());
    }
}

#[test]
fn liquidfiles_unknown_share_is_404_and_a_malformed_body_400() {
    let server = Server::start();
    let user = liquidfiles(LIQUIDFILES_ADMIN);
    let args = ["-X", "POST", "--user", &user, "-d", ADD_ACCESS];
    let (status, body) = server.curl_json("/admin/shares/no-such-share/add_access", &args);
    assert_eq!((status, &body["error"]["code"]), (404, &json!("not_found")));
    let bad =
        ["-X", "POST", "--user", &user, "-d", r#"{"accesses":[{"group":"admins"},{"user":""}]}"#];
    let (status, body) = server.curl_json("/admin/shares/project-alpha/add_access", &bad);
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("accesses[1].user"), "{message}");
}

// ---- Filr (seed 002) ----

fn ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect()
}

#[test]
fn filr_lists_shares_with_first_count_and_total() {
    let server = Server::start();
    let (status, list) = server.curl_json("/rest/admin/shares", &["-k", "-u", FILR_ADMIN]);
    assert_eq!(status, 200);
    assert_eq!((&list["first"], &list["count"], &list["total"]), (&json!(0), &json!(3), &json!(3)));
    assert_eq!(ids(&list), [1, 2, 3]);
    // The seed's item, field by field.
    let first = &list["items"][0];
    assert_eq!(first["sharer"], json!({"id": 20, "href": "/users/20"}));
    assert_eq!(first["recipient"], json!({"type": "user", "id": 140, "href": "/users/140"}));
    assert_eq!(
        first["shared_entity"],
        json!({"id": 10, "type": "folderEntry", "href": "/folder_entries/10"})
    );
    assert_eq!((&first["role"], &first["access"]["role"]), (&json!("VIEWER"), &json!("VIEWER")));
    assert_eq!(first["access"]["sharing"]["grant_reshare"], false);
    assert_eq!((&first["href"], &first["can_share"]), (&json!("/admin/shares/1"), &json!(false)));
    assert!(first["sharing_date"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        list["items"][1]["recipient"],
        json!({"type": "external_user", "email": "siguat@gmail.com"})
    );

    let (_, by) = server.curl_json("/rest/admin/shares?shared_by=20", &["-u", FILR_ADMIN]);
    assert_eq!((ids(&by), &by["total"]), (vec![1, 2], &json!(2)));
    let (_, with) = server.curl_json("/rest/admin/shares?shared_with=140", &["-u", FILR_ADMIN]);
    assert_eq!(ids(&with), [1]);
    let (_, page) = server.curl_json("/rest/admin/shares?first=1&count=1", &["-u", FILR_ADMIN]);
    assert_eq!((&page["first"], &page["count"], &page["total"]), (&json!(1), &json!(1), &json!(3)));
    assert_eq!(ids(&page), [2]);
    let (status, public) = server.curl_json("/rest/admin/shares/public", &["-u", FILR_ADMIN]);
    assert_eq!((status, ids(&public)), (200, vec![3]));
    assert_eq!(public["items"][0]["recipient"], json!({"type": "public"}));
}

#[test]
fn filr_lists_only_what_the_caller_may_read() {
    let server = Server::start();
    // The guest holds no admin right and no share: an empty list, not an error.
    let (status, list) = server.curl_json("/rest/admin/shares", &["-u", FILR_GUEST]);
    assert_eq!((status, &list["total"], ids(&list)), (200, &json!(0), vec![]));
}

#[test]
fn filr_refuses_wrong_credentials_and_a_malformed_query() {
    let server = Server::start();
    // The seed's own password is not a key here; nor is a right key under another name.
    for user in ["admin:novell", "guest:filrAdminKey-3f9a1c7e5b2d4086e1"] {
        assert_eq!(server.curl("/rest/admin/shares", &["-u", user]).0, 401, "{user}");
    }
    let (status, body) = server.curl_json("/rest/admin/shares?first=x", &["-u", FILR_ADMIN]);
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().starts_with("filr: first: "));
    let (status, _) = server.curl("/rest/admin/shares?sort=date", &["-u", FILR_ADMIN]);
    assert_eq!(status, 400);
}

#[test]
fn filr_delete_answers_empty_then_404_and_403_without_the_right() {
    let server = Server::start();
    let (status, body) = server.curl("/rest/admin/shares/3", &["-u", FILR_GUEST, "-X", "DELETE"]);
    assert_eq!(status, 403);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_permitted");
    // The seed's request.
    let (status, body) =
        server.curl("/rest/admin/shares/3", &["-k", "-u", FILR_ADMIN, "-X", "DELETE"]);
    assert_eq!((status, body.as_str()), (204, ""));
    let (status, body) =
        server.curl_json("/rest/admin/shares/3", &["-u", FILR_ADMIN, "-X", "DELETE"]);
    assert_eq!((status, &body["error"]["code"]), (404, &json!("not_found")));
    let (_, list) = server.curl_json("/rest/admin/shares", &["-u", FILR_ADMIN]);
    assert_eq!(ids(&list), [1, 2]);
}

// ---- ONLYOFFICE DocSpace (seed 003) ----

const ROOM_SHARE: &str = r#"{
"invitations": [
{
"value": {
"email": "Nathanael.Mayer55@gmail.com",
"id": "6941feb5-054e-4164-9706-a2acfb484098"
}
}
],
"notify": true,
"message": "some text",
"culture": "some text"
}"#;

fn room_share(cookie: Option<&str>, room: &str, body: &str, server: &Server) -> (u16, Value) {
    let mut args = vec![
        "--request",
        "PUT",
        "--header",
        "Accept: application/json",
        "--header",
        "Content-Type: application/json",
        "--data",
        body,
    ];
    if let Some(cookie) = cookie {
        args.extend(["--cookie", cookie]);
    }
    server.curl_json(&format!("/api/2.0/files/rooms/{room}/share"), &args)
}

#[test]
fn onlyoffice_room_share_answers_the_rooms_members() {
    let server = Server::start();
    let (status, body) = room_share(Some(DOCSPACE_OWNER), "2330", ROOM_SHARE, &server);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"members": [
            {"access": "RoomManager", "sharedTo": {"id": "docspace-owner"}, "isLocked": false,
             "isOwner": true, "canEditAccess": true, "subjectType": "User"},
            {"access": "Read", "sharedTo": {"id": "6941feb5-054e-4164-9706-a2acfb484098"},
             "isLocked": false, "isOwner": false, "canEditAccess": true, "subjectType": "User"}
        ]})
    );
    // Setting the invitee's access again changes the member, it adds no second one.
    let again =
        r#"{"invitations": [{"id": "6941feb5-054e-4164-9706-a2acfb484098", "access": "Comment"}]}"#;
    let (status, body) = room_share(Some(DOCSPACE_OWNER), "2330", again, &server);
    assert_eq!(status, 200);
    assert_eq!(body["members"].as_array().unwrap().len(), 2);
    assert_eq!(body["members"][1]["access"], "Comment");
}

#[test]
fn onlyoffice_refuses_without_the_cookie_without_the_right_and_for_an_unknown_room() {
    let server = Server::start();
    assert_eq!(room_share(None, "2330", ROOM_SHARE, &server).0, 401);
    assert_eq!(room_share(Some("asc_auth_key=nope"), "2330", ROOM_SHARE, &server).0, 401);
    let (status, body) = room_share(Some(DOCSPACE_GUEST), "2330", ROOM_SHARE, &server);
    assert_eq!((status, &body["error"]["code"]), (403, &json!("not_permitted")));
    let (status, _) = room_share(Some(DOCSPACE_OWNER), "9999", ROOM_SHARE, &server);
    assert_eq!(status, 404);
    // A refused request applied nothing: the room has only its owner.
    let none = r#"{"invitations": []}"#;
    let (_, body) = room_share(Some(DOCSPACE_OWNER), "2330", none, &server);
    assert_eq!(body["members"].as_array().unwrap().len(), 1);
}

#[test]
fn onlyoffice_names_the_malformed_field() {
    let server = Server::start();
    let varies = r#"{"invitations": [{"id": "u1"}, {"id": "u2", "access": "Varies"}]}"#;
    let (status, body) = room_share(Some(DOCSPACE_OWNER), "2330", varies, &server);
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("invitations[1].access"), "{message}");
    // The first invitation was valid, and is not applied either.
    let (_, body) = room_share(Some(DOCSPACE_OWNER), "2330", r#"{"invitations": []}"#, &server);
    assert_eq!(body["members"].as_array().unwrap().len(), 1);
}

// ---- Salesforce folder shares (seed 004) ----

const FOLDER: &str = "/services/data/v41.0/folders/00lxx000000flSFAAY/shares";

#[test]
fn salesforce_get_answers_the_folder_share() {
    let server = Server::start();
    let (status, body) =
        server.curl_json(&format!("{FOLDER}/004xx000001Sy1GAAS"), &["-H", SALESFORCE_OWNER]);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"shareId": "004xx000001Sy1GAAS", "accessType": "Manage", "shareType": "User",
               "sharedWithId": "005xx000001Sy1GAAS"})
    );
}

#[test]
fn salesforce_patch_changes_the_access_and_delete_removes_the_share() {
    let server = Server::start();
    let share = format!("{FOLDER}/004xx000003Kg8yAAC");
    // The seed's sample request body.
    let input = r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#;
    let args = [
        "-X",
        "PATCH",
        "-H",
        SALESFORCE_OWNER,
        "-H",
        "Content-Type: application/json",
        "-d",
        input,
    ];
    let (status, body) = server.curl_json(&share, &args);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"shareId": "004xx000003Kg8yAAC", "accessType": "Manage", "shareType": "User",
               "sharedWithId": "005R0000000Kg8yIAC"})
    );
    let (status, body) = server.curl(&share, &["-X", "DELETE", "-H", SALESFORCE_OWNER]);
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, body) = server.curl_json(&share, &["-H", SALESFORCE_OWNER]);
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
}

#[test]
fn salesforce_missing_permission_is_403_with_the_seeds_body() {
    let server = Server::start();
    // The viewer may read their own share, but not change it, nor read another's.
    let own = format!("{FOLDER}/004xx000002ViewAAA");
    assert_eq!(server.curl(&own, &["-H", SALESFORCE_VIEWER]).0, 200);
    let input = r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005xx000002ViewAAA" }"#;
    let (status, body) =
        server.curl_json(&own, &["-X", "PATCH", "-H", SALESFORCE_VIEWER, "-d", input]);
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!([{"errorCode": "FUNCTIONALITY_NOT_ENABLED", "message": "access denied (not_permitted)"}])
    );
    let other = format!("{FOLDER}/004xx000001Sy1GAAS");
    for method in ["GET", "DELETE"] {
        let (status, body) = server.curl_json(&other, &["-X", method, "-H", SALESFORCE_VIEWER]);
        assert_eq!(
            (status, &body[0]["errorCode"]),
            (403, &json!("FUNCTIONALITY_NOT_ENABLED")),
            "{method}"
        );
    }
}

#[test]
fn salesforce_unknown_share_or_folder_is_404_and_wrong_token_401() {
    let server = Server::start();
    let (status, body) = server.curl_json(&format!("{FOLDER}/004nope"), &["-H", SALESFORCE_OWNER]);
    assert_eq!(status, 404);
    assert_eq!(body, json!([{"errorCode": "NOT_FOUND", "message": "no folder share `004nope`"}]));
    // A share is found only in its own folder.
    let elsewhere = "/services/data/v41.0/folders/00lother/shares/004xx000001Sy1GAAS";
    assert_eq!(server.curl(elsewhere, &["-H", SALESFORCE_OWNER]).0, 404);
    for header in ["Authorization: Bearer wrong", "X-Nothing: here"] {
        let (status, body) =
            server.curl_json(&format!("{FOLDER}/004xx000001Sy1GAAS"), &["-H", header]);
        assert_eq!(
            (status, &body[0]["errorCode"]),
            (401, &json!("INVALID_SESSION_ID")),
            "{header}"
        );
    }
}

#[test]
fn salesforce_malformed_patch_is_400_naming_the_field() {
    let server = Server::start();
    let share = format!("{FOLDER}/004xx000003Kg8yAAC");
    let own =
        r#"{ "accessType" : "own", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#;
    let (status, body) =
        server.curl_json(&share, &["-X", "PATCH", "-H", SALESFORCE_OWNER, "-d", own]);
    assert_eq!((status, &body[0]["errorCode"]), (400, &json!("INVALID_INPUT")));
    assert!(body[0]["message"].as_str().unwrap().starts_with("salesforce: accessType: "));
    // A different recipient: the share's recipient never changes.
    let other = r#"{ "accessType" : "view", "shareType" : "user", "shareWithId" : "005other" }"#;
    let (status, body) =
        server.curl_json(&share, &["-X", "PATCH", "-H", SALESFORCE_OWNER, "-d", other]);
    assert_eq!((status, &body[0]["errorCode"]), (400, &json!("INVALID_INPUT")));
    assert!(body[0]["message"].as_str().unwrap().contains("recipient"), "{body}");
}

#[test]
fn a_restarted_service_keeps_its_store_and_does_not_seed_it_again() {
    let mut server = Server::start();
    let (status, _) = server.curl("/rest/admin/shares/3", &["-u", FILR_ADMIN, "-X", "DELETE"]);
    assert_eq!(status, 204);
    let line = server.restart();
    assert!(line.contains("(0 share(s) seeded)"), "{line}");
    // The deleted seed share stays deleted.
    let (_, list) = server.curl_json("/rest/admin/shares", &["-u", FILR_ADMIN]);
    assert_eq!(ids(&list), [1, 2]);
}
