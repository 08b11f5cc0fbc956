"""The kernel every package imports: errors, work dirs, dataset definitions, atomic writes, raw-store rows."""
