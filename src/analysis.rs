//! One call that runs the front end on a file: parse, then check.
