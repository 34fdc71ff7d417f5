import pytest

from config.celery import app


@pytest.fixture(autouse=True)
def eager_delivery_unless_worker(request):
    """Tests without a real worker deliver inline, even when a broker is configured."""
    if "worker" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
