//! What the catalogue's end-to-end tests share: a runtime for the async
//! scheduler and a progress recorder.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use stagecraft::catalogue::{Progress, RunOptions};

/// A multi-threaded runtime, as a release tool would run `Catalogue::build` in.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The progress events of one run, in order.
pub type Recorded = Arc<Mutex<Vec<Progress>>>;

/// Progress, kept for assertions and printed with the seconds since the start.
pub fn recorder() -> (Recorded, RunOptions) {
    let lines: Recorded = Arc::default();
    let sink = lines.clone();
    let start = Instant::now();
    let options = RunOptions::new().on_progress(move |progress: &Progress| {
        eprintln!("[{:5.1}s] {progress}", start.elapsed().as_secs_f64());
        sink.lock().unwrap().push(progress.clone());
    });
    (lines, options)
}
