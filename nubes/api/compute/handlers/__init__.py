"""Compute API handlers: parse, validate, authorize, call one service
function, render a view.  File names mirror schemas/, views/, policies/."""
