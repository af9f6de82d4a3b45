"""Image API handlers: parse, validate, call one service function, render."""
