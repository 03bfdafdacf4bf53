"""Reader: to be written."""
