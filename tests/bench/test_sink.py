"""The outbound benchmark's receiver answers every POST of a kept-alive connection, however
the request arrives in pieces, and refuses a request it cannot frame."""

import http.client
import socket
import subprocess
import sys

import pytest

from bench.outbound import _sink


@pytest.fixture(scope="module")
def sink_url():
    with _sink() as url:
        yield url


def test_posts_on_one_connection_each_get_200(sink_url):
    port = int(sink_url.rsplit(":", 1)[1].split("/")[0])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for body in (b'{"message_id": 1}', b"x" * 70_000):  # the second spans many segments
        conn.request("POST", "/sink", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"{}")
    conn.close()


def test_a_request_split_between_headers_and_body_is_answered_once_whole(sink_url):
    port = int(sink_url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
        s.sendall(b"cde")
        assert s.recv(4096).startswith(b"HTTP/1.1 200 OK")


def test_an_unframed_request_is_refused(sink_url):
    port = int(sink_url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"POST /sink HTTP/1.1\r\nContent-Length: lots\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 400")


def test_the_sink_prints_its_port_first():
    process = subprocess.Popen([sys.executable, "-m", "bench.sink"], stdout=subprocess.PIPE, text=True)
    try:
        assert 0 < int(process.stdout.readline()) < 65536
    finally:
        process.terminate()
        process.wait(10)
