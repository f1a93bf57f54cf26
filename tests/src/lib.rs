//! Support code for the repository-level test suites in `tests/`.
