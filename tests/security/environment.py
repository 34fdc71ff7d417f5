"""The test run's environment, loaded as a pytest plugin (``-p`` in pytest.ini) before Django
reads its settings, so that the tests run the production settings (DEBUG off) with keys from the
environment, as a deployment does; the processes the tests start (workers, servers) inherit it.

Only the transport differs: the test client and the live server speak plain HTTP.
"""

import os
import tempfile

TEST_ENVIRONMENT = {
    "SECRET_KEY": "tests-only-secret-key-7f3a9c1e5b2d8f4a6c0e9b7d5f3a1c8e6b4d2f0a",
    "CREDENTIALS_KEYS": "m2K1H3v0wq2V8xX0hFQyS1b3o3y6Yb0Kk8cH0m1c2Rk=",
    "SECURE_SSL_REDIRECT": "false",
    # The tests' receivers listen on loopback, as an on-premises install's do on its network;
    # tests/crm/test_net.py turns the guard on to check it.
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    # Attachments the tests store go to a directory of the run, never the checkout's media/.
    "MEDIA_ROOT": os.path.join(tempfile.gettempdir(), f"omnicrm-test-media-{os.getpid()}"),
}

for name, value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(name, value)
