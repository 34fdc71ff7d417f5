"""Small real files: what the sniffing reads is the bytes, so the tests use real signatures."""

from __future__ import annotations

import base64

from simulator.customers import png_bytes

PNG = png_bytes()  # the simulator's customers' photo
PDF = b"%PDF-1.4\n1 0 obj\n<</Type/Catalog>>\nendobj\ntrailer\n<</Root 1 0 R>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
TEXT = "Numéro de commande : 4411\n".encode()


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def item(content: bytes, filename: str = "file.bin", content_type: str = "application/octet-stream") -> dict:
    return {"filename": filename, "content_type": content_type, "content_base64": b64(content)}
