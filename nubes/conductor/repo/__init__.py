"""SQL for the cell database tables the cell conductor writes for computes.

Every function takes an open ``Connection``; callers own transactions.
(``nubes.cells.repo`` holds the reads that cell-level admin commands need;
these are the writes of running services.)
"""
