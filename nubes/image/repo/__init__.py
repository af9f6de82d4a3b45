"""SQL of the image database: one module per table family."""
