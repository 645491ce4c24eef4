//! Constructors for syntax diagnostics (codes `E0001`–`E0099`).
