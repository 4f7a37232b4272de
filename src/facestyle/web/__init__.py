"""The local web studio: ``facestyle serve`` opens a page that paints a photo on this machine.

A thin layer over :func:`facestyle.stylize`: :mod:`.app` builds the application, :mod:`.routes`
holds the HTTP routes (one module per resource), :mod:`.studio`
wires the job store, the job folders, the workers and the janitor together, and ``static/`` is
the page (plain HTML, CSS and JavaScript, no build step, nothing from a CDN).
"""
