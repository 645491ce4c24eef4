//! Constructors for checker diagnostics (codes `E0100`–`E0999`, warnings `W0100`–`W0999`).
