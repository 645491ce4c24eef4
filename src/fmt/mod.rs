//! The formatter: one canonical layout, every comment kept.
