"""The Celery application, created from the Flask app (Flask's documented pattern): tasks run in an app context."""

from hotline import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
app = celery  # `celery -A workers.celery_app` finds `app` or `celery`
