//! Placeholder: the payloads benchmark is being written (issue 52).

fn main() {}
