"""Tools for the people who build salvage-kg: synthetic cohorts, benchmarks and the load test. Never evidence."""
