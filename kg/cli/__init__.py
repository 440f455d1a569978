"""The `salvage-kg` command line."""
