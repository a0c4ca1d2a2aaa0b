"""The spreadsheet import: a caseload brought in row by row through the service layer.

``columns`` says what a sheet holds (and explains it in Dutch), ``rows`` turns one row into the
commands the API would build, ``job`` checks or imports a whole file through ``Service.handle``.
"""
