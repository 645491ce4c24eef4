//! Language server for `.wf` files (filled by the LSP issue).
