//! Documents (raw payloads, summaries, streams) are stored zstd-compressed: JSON shrinks about
//! tenfold, and a read gives back exactly the bytes that were written. The same two functions
//! are registered in SQL (`vl_pack`, `vl_unpack`) for the migration that compressed the
//! existing rows and for ad-hoc queries of the file.
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::error::{AppError, AppResult};

/// zstd's default level: within a few percent of the best ratio on these documents at a
/// fraction of the time, and deterministic, so an unchanged document packs to the same bytes
/// (the upserts compare packed bytes to skip unchanged rows).
const LEVEL: i32 = 3;

pub fn pack(text: &str) -> Vec<u8> {
    zstd::bulk::compress(text.as_bytes(), LEVEL).expect("zstd compresses any input in memory")
}

pub fn unpack(bytes: &[u8]) -> AppResult<String> {
    let raw = zstd::decode_all(bytes).map_err(|e| {
        AppError::storage(format!(
            "a stored document could not be decompressed ({e}); the file may be damaged: restore a backup or run `vital-link doctor`"
        ))
    })?;
    String::from_utf8(raw).map_err(|_| AppError::storage("a stored document is not UTF-8 text"))
}

/// `unpack` inside a row mapper.
pub fn unpack_row(bytes: &[u8]) -> rusqlite::Result<String> {
    unpack(bytes).map_err(|e| rusqlite::Error::UserFunctionError(e.message.into()))
}

/// The JSON document in `bytes`, or `Null` for one that is damaged (never a failed page).
pub fn unpack_json(bytes: &[u8]) -> serde_json::Value {
    unpack(bytes)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null)
}

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("vl_pack", 1, flags, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|s| pack(&s)))
    })?;
    conn.create_scalar_function("vl_unpack", 1, flags, |ctx| {
        match ctx.get::<Option<Vec<u8>>>(0)? {
            None => Ok(None),
            Some(b) => unpack_row(&b).map(Some),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_comes_back_byte_for_byte_and_packs_the_same_twice() {
        let doc = r#"{"hr":[61.0,62.5,null],"note":"é ✓"}"#.repeat(50);
        let p = pack(&doc);
        assert!(p.len() * 5 < doc.len(), "{} of {}", p.len(), doc.len());
        assert_eq!(unpack(&p).unwrap(), doc);
        assert_eq!(pack(&doc), p);
    }

    #[test]
    fn damaged_bytes_are_a_storage_error_not_a_panic() {
        let err = unpack(b"not zstd").unwrap_err();
        assert_eq!(err.code, "storage_error");
        assert_eq!(unpack_json(b"not zstd"), serde_json::Value::Null);
    }

    #[test]
    fn sql_functions_round_trip_and_keep_null() {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        let (back, null): (String, Option<Vec<u8>>) = c
            .query_row(
                "SELECT vl_unpack(vl_pack('{\"a\":1}')), vl_pack(NULL)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(back, "{\"a\":1}");
        assert_eq!(null, None);
    }
}
