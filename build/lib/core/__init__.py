"""The kernel every package imports: errors, work dirs, dataset definitions, sample keys,
atomic writes, raw-store rows, release versions and the code version."""
