//! lightgbm: the workshop example (work in progress).
