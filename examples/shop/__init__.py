"""A shop whose sale can run before its delivery: the ordering bug of docs/testing.md."""
