"""The acceptance harness: what the behave steps drive. Real engine, real runner."""
