"""Cluster mode: the studio's jobs in Redis, painted by Celery workers on any number of machines.

Optional (``pip install "facestyle[cluster]"``): nothing here is imported unless a broker is
given. :mod:`.redis_store` holds the jobs, :mod:`.blobs` the images, :mod:`.app` and :mod:`.task`
the Celery side, :mod:`.runner` one painting run under a lease, :mod:`.launcher` the worker
processes, :mod:`.client` the API a program submits jobs with, :mod:`.studio` the web server's side.
"""
