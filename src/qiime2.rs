//! qiime2: the workshop example (work in progress).
