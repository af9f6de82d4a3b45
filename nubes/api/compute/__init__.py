"""The compute API (``/v2.1``): handlers -> service -> cells repos.

``app.build(conf)`` assembles the WSGI app; ``routes.ROUTES`` is the URL
table; ``microversions.VERSIONS`` says what each microversion changed.
"""
