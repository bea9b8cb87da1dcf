"""Reliability and security tests of the built site: hostile content, a real browser,
validators, reproducible and atomic builds.  A package, so its module names (``conftest``,
``test_*``) cannot clash with other test folders under pytest or mypy."""
