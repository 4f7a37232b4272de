"""The studio's HTTP routes, one router per resource, which :func:`facestyle.web.app.create_app` includes.

:mod:`.pages` serves the page and the API docs, :mod:`.info` the studio's health and options,
:mod:`.styles` the gallery, :mod:`.jobs` submitting and handling jobs, :mod:`.events` a job's
progress stream. :mod:`.common` holds what they share.
"""
