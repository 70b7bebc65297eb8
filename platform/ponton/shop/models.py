"""The MarketPlace's own tables (tenant schema)."""
