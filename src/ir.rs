//! The typed IR the checker produces and later phases (plan, run, ide) consume.
