"""The outbound benchmark's receiver: a process of its own answering every POST with 200 ``{}``.

It stands for the provider on the other side of a delivery, so it must cost as little as a
real provider's front end would cost the sender: one asyncio protocol, HTTP/1.1 keep-alive,
requests read by ``Content-Length``, no threads. ``python -m bench.sink`` binds a free
loopback port and prints it on its first line of output; it serves until terminated.
"""

from __future__ import annotations

import asyncio
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class Receiver(asyncio.Protocol):
    def connection_made(self, transport) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = _content_length(self.buffer[:end])
            if length is None:
                self.transport.write(BAD_REQUEST)
                self.transport.close()
                return
            if len(self.buffer) < end + 4 + length:
                return  # the rest of the body is still on its way
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(RESPONSE)


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value) if value.strip().isdigit() else None
    return 0


async def serve() -> None:
    server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)
