"""The structure's customer base (tenant schema)."""
