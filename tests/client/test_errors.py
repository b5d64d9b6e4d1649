from __future__ import annotations

from pathlib import Path

import statuskit.client as client
import statuskit.client._generate as generate
from statuskit.codes import all_codes


def test_written_out_error_classes_match_the_catalogue() -> None:
    written = Path(generate.__file__).with_name("_typed.py").read_text("utf-8")
    assert written == generate.render(), "run: python -m statuskit.client._generate"


def test_every_error_code_has_its_class() -> None:
    for record in all_codes():
        if record.code >= 400:
            cls = client.error_class(record.code)
            assert cls.status == record.code
            base = client.ClientError if record.code < 500 else client.ServerError
            assert issubclass(cls, base)
            assert issubclass(cls, client.Retryable) == record.retryable


def test_seed_labels_name_the_classes_and_rfc_phrases_alias_them() -> None:
    assert client.ServerTimeout.status == 504
    assert client.GatewayTimeout is client.ServerTimeout
    assert client.RequestURITooLarge is client.URITooLong
    assert client.StatusNotImplemented.status == 501


def test_unknown_codes_fall_back_to_the_class_bases() -> None:
    assert client.error_class(499) is client.ClientError
    assert client.error_class(599) is client.ServerError
