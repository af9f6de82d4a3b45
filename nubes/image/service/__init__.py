"""Image service functions: each one logical operation, owning its
transaction; they raise ``nubes.image.exceptions``."""
