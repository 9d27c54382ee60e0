//! The conformance suite every `ShareStore` adapter can run against itself.
