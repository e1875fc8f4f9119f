"""The parts of uvicorn that realtime/protocol.py and server.py build on, checked by name, so
that an upgrade that changes them fails here with a clear message, not at a reader's socket.
(requirements.lock pins uvicorn; `make lock` upgrades it, and this suite then runs.)"""

from __future__ import annotations

import asyncio
import inspect

import uvicorn
from uvicorn.importer import import_from_string
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState
from uvicorn.supervisors import Multiprocess

from liveblog.realtime.protocol import LiveHttpProtocol
from liveblog.server import LIVE_PROTOCOL, config

OVERRIDDEN = (
    "on_headers_complete",
    "on_body",
    "on_message_complete",
    "data_received",
    "connection_lost",
    "shutdown",
)


def _changed(what: str) -> str:
    return (
        f"uvicorn {uvicorn.__version__} changed {what}, which liveblog's event-stream "
        "protocol relies on: review src/liveblog/realtime/protocol.py before upgrading"
    )


def test_the_protocol_overrides_methods_uvicorn_still_has() -> None:
    for name in OVERRIDDEN:
        assert callable(getattr(HttpToolsProtocol, name, None)), _changed(f"{name}()")
        ours = inspect.signature(getattr(LiveHttpProtocol, name))
        theirs = inspect.signature(getattr(HttpToolsProtocol, name))
        assert list(ours.parameters) == list(theirs.parameters), _changed(f"{name}'s arguments")


def test_the_attributes_the_protocol_reads_are_set_as_before() -> None:
    loop = asyncio.new_event_loop()
    try:
        settings = config("liveblog.server:app_factory", host="127.0.0.1", port=0)
        protocol = HttpToolsProtocol(settings, ServerState(), app_state={}, _loop=loop)
    except TypeError as exc:
        raise AssertionError(_changed(f"HttpToolsProtocol's constructor ({exc})")) from None
    finally:
        loop.close()
    for name in ("parser", "app", "loop", "tasks", "logger", "client", "transport"):
        assert hasattr(protocol, name), _changed(f"the protocol attribute {name!r}")
    assert hasattr(protocol.parser, "get_method"), _changed("the parser's get_method()")
    assert isinstance(protocol.tasks, set), _changed("the protocol's task set")
    assert "self.url" in inspect.getsource(HttpToolsProtocol.on_url), _changed("on_url()")
    assert "self.headers" in inspect.getsource(HttpToolsProtocol.on_header), _changed("on_header")


def test_the_proxy_rule_and_the_supervisor_are_where_we_use_them() -> None:
    middleware = ProxyHeadersMiddleware(lambda *_: None, trusted_hosts="127.0.0.1")  # type: ignore[arg-type,return-value]
    trusted = middleware.trusted_hosts
    assert "127.0.0.1" in trusted and "10.1.1.1" not in trusted, _changed("_TrustedHosts")
    found = trusted.get_trusted_client_address("203.0.113.9, 127.0.0.1")
    assert found[0] == "203.0.113.9", _changed("get_trusted_client_address()")
    assert list(inspect.signature(Multiprocess).parameters)[:2] == ["config", "sockets"], _changed(
        "Multiprocess(config, sockets)"
    )


def test_the_server_configuration_loads_our_protocol_and_uvloop() -> None:
    settings = config("liveblog.server:app_factory", host="127.0.0.1", port=0)
    assert settings.http == LIVE_PROTOCOL and settings.loop == "uvloop"
    # What Config.load() does with `http` (loading the app here would build a whole site).
    assert import_from_string(settings.http) is LiveHttpProtocol, _changed("import strings")
    assert settings.get_loop_factory() is not None, _changed("Config.get_loop_factory()")
