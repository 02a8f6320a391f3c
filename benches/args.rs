//! Command-line values of the benchmarks. `cargo test --all-targets` runs every bench binary
//! too, without cargo's `--bench` flag: it then gets the small smoke sizes, so CI proves the
//! benchmark still runs without spending minutes measuring a debug build.

/// Whether this is a real measurement (`cargo bench`).
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// `--name N`, else `full` when measuring and `smoke` under `cargo test`.
pub fn arg(name: &str, full: u32, smoke: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measuring() { full } else { smoke })
}
