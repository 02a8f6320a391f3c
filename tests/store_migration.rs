//! A data file written by the schema-7 code (tests/fixtures/store-v7) upgraded in place by this
//! code: a backup is made first, and every read API answer is the same, byte for byte, as the
//! old code gave on the same file.
mod common;

use std::io::Read;

use common::*;

fn gunzip(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/store-v7")
        .join(name);
    let mut out = vec![];
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn schema_of(path: &std::path::Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// Answers link to the server's own address (provider logos); it had another port then.
fn same_host(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("http://127.0.0.1:") {
        out.push_str(&rest[..i]);
        out.push_str("http://127.0.0.1:PORT");
        rest =
            rest[i + "http://127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn a_v7_file_upgrades_in_place_and_every_answer_stays_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("vital-link.sqlite3");
    std::fs::write(&db, gunzip("vital-link.sqlite3.gz")).unwrap();
    let v7_size = std::fs::metadata(&db).unwrap().len();
    assert_eq!(schema_of(&db), 7);
    let answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&gunzip("answers.json.gz")).unwrap();

    let app = reopen(dir.path(), now(), 30).await;
    assert_eq!(app.store.schema_version().unwrap(), 8);
    let backup = data.join("vital-link.sqlite3.schema-7.bak");
    assert_eq!(schema_of(&backup), 7, "the backup is the file as it was");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup holds health data: owner only");
    }
    assert!(!data
        .join("vital-link.sqlite3.schema-7.bak.partial")
        .exists());

    vital_link::api::serve(app.clone(), 0).await.unwrap();
    // The fixture's vault key stayed on the machine that made it: this one seals a new API key.
    let (base, key) = (app.api_base_url(), app.rotate_api_key().unwrap());
    let http = reqwest::Client::new();
    let mut differ = vec![];
    for (path, want) in &answers {
        let r = http
            .get(format!("{base}{path}"))
            .header("x-vital-api-key", &key)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        if status != want["status"] || same_host(&body) != same_host(want["body"].as_str().unwrap())
        {
            differ.push(format!("{path}: {status} {:.200}", body));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} answers changed:\n{}",
        differ.len(),
        answers.len(),
        differ.join("\n")
    );
    assert!(answers.len() > 300, "the fixture covers every read route");

    // Started again, the upgraded file is used as it is: no second backup, no second rewrite.
    drop(app);
    let before = std::fs::metadata(&backup).unwrap().modified().unwrap();
    let again = reopen(dir.path(), now(), 30).await;
    assert_eq!(again.store.schema_version().unwrap(), 8);
    assert_eq!(
        std::fs::metadata(&backup).unwrap().modified().unwrap(),
        before
    );
    let _ = again.store.read(|c| {
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    });
    let v8_size = std::fs::metadata(&db).unwrap().len();
    println!("v7 file {v7_size} bytes, upgraded {v8_size} bytes");
    assert!(
        v8_size * 2 < v7_size,
        "the upgraded file is compact: {v8_size} bytes, was {v7_size}"
    );
}

/// A fresh data directory holding the v7 fixture.
fn v7_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vital-link.sqlite3"),
        gunzip("vital-link.sqlite3.gz"),
    )
    .unwrap();
    dir
}

/// (summaries, samples, content hash) of every participant in the file, upgrading it first.
fn content(dir: &std::path::Path) -> Vec<(usize, usize, String)> {
    let store = vital_link::store::Store::open(&dir.join("vital-link.sqlite3")).unwrap();
    assert_eq!(store.schema_version().unwrap(), 8);
    let (users, _) = store.list_users(0, i64::MAX).unwrap();
    users
        .iter()
        .map(|u| {
            let f = fingerprint(&store, &u.user_id, true);
            (f.summaries, f.samples, f.hash)
        })
        .collect()
}

#[test]
fn an_upgrade_killed_part_way_is_redone_whole_on_the_next_start() {
    let reference = v7_dir();
    let want = content(reference.path());
    assert!(want.iter().map(|c| c.1).sum::<usize>() > 10_000);
    let mut interrupted = 0;
    // Killed as the backup is being written, as soon as it is complete (the migration is
    // running), and a little later.
    for (trigger, extra_ms) in [(".bak.partial", 0), (".bak", 0), (".bak", 30)] {
        let dir = v7_dir();
        let node = common::child::Node {
            dir: dir.path(),
            days: 30,
        };
        let mut child = node.command().args(["users", "list"]).spawn().unwrap();
        let marker = dir
            .path()
            .join(format!("vital-link.sqlite3.schema-7{trigger}"));
        let t = std::time::Instant::now();
        while !marker.exists() && t.elapsed() < std::time::Duration::from_secs(30) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(extra_ms));
        let _ = child.kill();
        child.wait().unwrap();
        if schema_of(&dir.path().join("vital-link.sqlite3")) == 7 {
            interrupted += 1;
        }
        assert_eq!(
            content(dir.path()),
            want,
            "killed at {trigger} +{extra_ms} ms, the next start upgrades to the same content"
        );
        assert_eq!(
            schema_of(&dir.path().join("vital-link.sqlite3.schema-7.bak")),
            7
        );
        assert!(!dir
            .path()
            .join("vital-link.sqlite3.schema-7.bak.partial")
            .exists());
    }
    assert!(
        interrupted > 0,
        "at least one kill landed before the upgrade committed"
    );
}
