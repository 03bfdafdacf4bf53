"""Tests of the listening engine, one module per detector."""
