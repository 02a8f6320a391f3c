//! Data routes read SQLite and build their JSON on tokio's blocking pool, not on the runtime's
//! few worker threads: a year of samples then delays only its own request, while short routes
//! (`/v2/user`, `/health`) keep answering.
use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::AppState;
use crate::ErrorResponse;
use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};

/// Bytes of JSON handed to the connection at a time.
const CHUNK: usize = 64 * 1024;

/// Runs `read` on the blocking pool (at most as many at once as the store lends readers for
/// it), then streams its answer as JSON: the status is known once `read` returns, and a large
/// body is written in chunks as the client takes them rather than built whole first.
pub async fn json<V: Serialize>(
    app: &AppState,
    read: impl FnOnce(&App) -> AppResult<V> + Send + 'static,
) -> Response {
    let permit = vital_link_core::query::read_permit(app).await;
    let app = app.clone();
    let (ready_tx, ready_rx) = oneshot::channel();
    let (chunks_tx, chunks_rx) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let value = read(&app);
        drop(permit);
        match value {
            Err(e) => drop(ready_tx.send(Err(e))),
            Ok(v) => {
                if ready_tx.send(Ok(())).is_ok() {
                    write_chunks(&v, chunks_tx);
                }
            }
        }
    });
    match ready_rx.await {
        Ok(Ok(())) => json_stream(chunks_rx),
        Ok(Err(e)) => e.into_response(),
        Err(_) => AppError::internal("a data read stopped before answering").into_response(),
    }
}

fn json_stream(chunks: mpsc::Receiver<Bytes>) -> Response {
    let stream = futures_util::stream::unfold(chunks, |mut rx| async move {
        rx.recv()
            .await
            .map(|c| (Ok::<_, std::convert::Infallible>(c), rx))
    });
    let mut r = Body::from_stream(stream).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Serialises `v` into the channel; stops early when the client has gone away.
fn write_chunks(v: &impl Serialize, tx: mpsc::Sender<Bytes>) {
    let mut w = std::io::BufWriter::with_capacity(CHUNK, ChunkSender(tx));
    if serde_json::to_writer(&mut w, v).is_ok() {
        let _ = w.flush();
    }
}

struct ChunkSender(mpsc::Sender<Bytes>);

impl Write for ChunkSender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Bytes::copy_from_slice(buf))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
