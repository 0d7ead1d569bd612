"""A worker with `broker_use_ssl` fails against RabbitMQ: pointed at the plain AMQP port it gets
`[SSL: WRONG_VERSION_NUMBER]`; pointed at a TLS endpoint with a self-signed certificate it gets
`[SSL: CERTIFICATE_VERIFY_FAILED] ... self-signed certificate`. The entry's `broker_use_ssl`
with the certificate as `ca_certs` connects through the same endpoint and runs a task.

The shared RabbitMQ has no TLS listener and is not changed: the TLS endpoint is the scenario's
own, a small Python proxy in its folder (a throwaway self-signed certificate made with
`openssl req -x509`) that forwards to the plain port and is stopped with the scenario.
"""

from __future__ import annotations

import shutil
import sys
from urllib.parse import urlsplit

from lab.support import APP_HEADER, LabError, NotReproducible

SLUG = "broker-tls-errors"

APP = (
    APP_HEADER
    + """
import ssl

# SETTINGS


@app.task(name="lab.ping")
def ping():
    return "pong"
"""
)

# the scenario's TLS endpoint: TLS on a free loopback port, plain AMQP to the broker behind it
PROXY = """\
import asyncio
import ssl
import sys

CERT, KEY, HOST, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    try:
        broker_reader, broker_writer = await asyncio.open_connection(HOST, PORT)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, broker_writer), pipe(broker_reader, client_writer))


async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    print("listening on", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
"""

ENTRY_CA = "/etc/ssl/certs/broker-ca.pem"


def _certificate(lab) -> None:
    """A throwaway self-signed certificate (broker.pem, its key broker.key) for `rabbitmq`."""
    if shutil.which("openssl") is None:
        raise NotReproducible("openssl is not installed here")
    proc = lab.start(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", "broker.key", "-out", "broker.pem", "-subj", "/CN=rabbitmq"]
        + ["-addext", "subjectAltName=DNS:rabbitmq"],
        "openssl",
    )
    lab.expect(proc.exited(60) == 0, f"openssl req failed:\n{proc.text()[-800:]}")
    lab.step("made a self-signed certificate with openssl req -x509", "CN=rabbitmq")


def _proxy(lab) -> int:
    """Start the TLS endpoint in front of the broker's plain port; its port."""
    parts = urlsplit(lab.broker_url)
    lab.write("tlsproxy.py", PROXY)
    proc = lab.start(
        [
            sys.executable,
            "tlsproxy.py",
            "broker.pem",
            "broker.key",
            parts.hostname,
            str(parts.port),
        ],
        "tlsproxy",
    )
    line = proc.wait_for(r"^listening on \d+$", timeout=30)
    port = int(line.split()[-1])
    lab.step("started the scenario's TLS endpoint on loopback", f"port {port} -> {parts.port}")
    return port


def _worker(lab, settings: str, name: str):
    lab.write("labapp.py", APP.replace("# SETTINGS", settings))
    return lab.worker("labapp", "-P", "solo", name=name, ready=False)


def run(lab) -> None:
    parts = urlsplit(lab.broker_url)
    # TLS spoken to the plain AMQP port
    worker = _worker(lab, "app.conf.broker_use_ssl = True", "plainport")
    line = worker.wait_for(r"Cannot connect to .*\[SSL: WRONG_VERSION_NUMBER\]")
    following = worker.wait_for(r"Trying again in")
    lab.expect(f":{parts.port}/" in line, f"not the plain port {parts.port}: {line}")
    # first, but `possible` (0.9948 on 2026-12-03 against the 0.99518 threshold): not an
    # ambiguous text, the ranker's known weakness on clean single-signature captures (issue 10)
    lab.diagnose(
        line + "\n" + following, "worker log: TLS to the plain AMQP port", confidence="possible"
    )
    lab.stop(worker)

    # a TLS endpoint whose certificate the worker does not trust
    _certificate(lab)
    port = _proxy(lab)
    tls_url = lab.broker_url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{port}")
    url_setting = f"app.conf.broker_url = {tls_url!r}\n"
    worker = _worker(lab, url_setting + "app.conf.broker_use_ssl = True", "selfsigned")
    line = worker.wait_for(r"Cannot connect to .*\[SSL: CERTIFICATE_VERIFY_FAILED\]")
    following = worker.wait_for(r"Trying again in")
    lab.expect("self-signed certificate" in line, f"not the self-signed reason: {line}")
    # first, `high` or just `possible` (0.995 on 2026-12-03 against 0.99518; the vhost is
    # shown as Lab.diagnose shows it, but the proxy's port in the URL is random): the same
    # weakness on a clean single-signature capture
    lab.diagnose(
        line + "\n" + following, "worker log: self-signed certificate", confidence="possible"
    )
    lab.stop(worker)

    fix = lab.fix("fix")
    lab.expect(ENTRY_CA in fix, f"the entry's fix no longer names {ENTRY_CA}:\n{fix}")
    # the entry's CA path is the operator's: here the CA is the throwaway certificate itself
    fix = fix.replace(ENTRY_CA, str(lab.dir / "broker.pem"))
    settings = url_setting + fix + "\napp.conf.broker_use_ssl = broker_use_ssl\n"
    worker = _worker(lab, settings, "fixed")
    try:
        worker.wait_for(r"ready\.", timeout=60)
    except LabError as exc:
        raise LabError(f"the worker with the entry's broker_use_ssl did not start: {exc}") from exc
    connected = worker.wait_for(r"Connected to amqp://")
    lab.expect(f":{port}/" in connected, f"not connected through the TLS endpoint: {connected}")
    lab.celery("labapp", "call", "lab.ping")
    worker.wait_for(r"Task lab\.ping\[.*\] succeeded", timeout=90)
    lab.expect("SSL" not in worker.text(), f"an SSL error after the fix:\n{worker.text()[-2000:]}")
    lab.step("after the fix the worker connected over TLS and ran a task", connected.strip())
