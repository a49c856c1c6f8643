//! tensorflow: the workshop example (work in progress).
