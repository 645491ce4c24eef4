//! Placeholder: the sse_latency benchmark is being written (issue 52).

fn main() {}
