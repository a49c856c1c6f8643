//! Building, measuring and smoke-testing images through the Docker Engine
//! API (feature `engine`).
