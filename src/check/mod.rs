//! The checker: resolves names, infers and checks types, validates step kinds
//! and the dependency graph, and lowers the tree to [`crate::ir`].
