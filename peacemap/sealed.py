"""Private values sealed at rest, and blind indexes that find them without opening them.

A copy of the database (a stolen disk, a backup left somewhere) must not give away how to
reach the people listed: their email and phone, exact coordinates, and who sent a submission
are stored sealed with AES-256-GCM (authenticated: a changed byte is refused, not misread),
each bound to the column it belongs to, under the data key (PEACEMAP_DATA_KEY). Several data
keys may be configured, newest first: values are sealed under the first and opened with
whichever sealed them, so `flask data rotate-key` can re-seal everything under a new key.

Values that must be matched (an email asking for an owner link, the do-not-list register,
likely duplicates) are matched by a blind index: an HMAC-SHA256 of the normalised value under
the index key (PEACEMAP_INDEX_KEY), which rotation does not change, so matches keep working.

Neither key is ever stored with the data: in production they come from the environment or a
key file kept away from the instance folder and the database (see README, "Data protection");
development generates both into instance/data_keys and says so.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import JSON, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import ClauseElement, operators

VERSION = "s1"
EXTENSION = "peacemap.keys"
# Keys of a record's payload, a revision's snapshot or an audit event whose values are sealed
# wherever they appear inside the JSON.
PRIVATE_KEYS = frozenset({"email", "phone", "latitude", "longitude", "submitter_email"})
SEALED = "$sealed"
EMPTINESS = (operators.eq, operators.ne, operators.is_, operators.is_not)


class SealError(RuntimeError):
    """The keys are missing, misplaced or not the ones the data was sealed with."""


@dataclass(frozen=True)
class Keys:
    """The data keys (newest first, by their short id) and the index key."""

    data: tuple  # ((key id, AESGCM), ...)
    index: bytes

    @property
    def current(self):
        return self.data[0]

    def by_id(self, key_id):
        for found, cipher in self.data:
            if found == key_id:
                return cipher
        raise SealError(f"no configured data key has the id {key_id}")


def new_key():
    """A new random key, as PEACEMAP_DATA_KEY and PEACEMAP_INDEX_KEY take them."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _decode(text, name):
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise SealError(f"{name} must be 32 random bytes in URL-safe base64 (flask data new-key)")
    return raw


def _key_id(raw):
    return hashlib.sha256(b"peacemap data key id" + raw).hexdigest()[:8]


def make_keys(data_keys, index_key):
    """Keys from the configured text: data keys separated by commas, newest first."""
    texts = [text for text in (data_keys or "").split(",") if text.strip()]
    if not texts or not (index_key or "").strip():
        raise SealError("PEACEMAP_DATA_KEY and PEACEMAP_INDEX_KEY must both be set")
    data = []
    for text in texts:
        raw = _decode(text, "PEACEMAP_DATA_KEY")
        data.append((_key_id(raw), AESGCM(raw)))
    return Keys(tuple(data), _decode(index_key, "PEACEMAP_INDEX_KEY"))


def read_key_file(path):
    """{"DATA_KEY": ..., "INDEX_KEY": ...} from a file of NAME=value lines."""
    values = {}
    for line in Path(path).read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() and not name.startswith("#"):
            values[name.strip().removeprefix("PEACEMAP_")] = value.strip()
    return values


def write_key_file(path, data_keys, index_key, exclusive=False):
    """Write a key file readable by its owner only (`exclusive`: only when it is missing)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"PEACEMAP_DATA_KEY={data_keys}\nPEACEMAP_INDEX_KEY={index_key}\n")


def keys():
    """The keys of the current app."""
    return current_app.extensions[EXTENSION]


# Sealing and opening ----------------------------------------------------------------------


def seal(value, purpose):
    """`value` (text) sealed under the current data key, bound to `purpose` (its column)."""
    key_id, cipher = keys().current
    nonce = secrets.token_bytes(12)
    sealed = cipher.encrypt(nonce, value.encode(), purpose.encode())
    return f"{VERSION}.{key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_(token, purpose):
    """The text sealed in `token` for `purpose`; SealError when no key opens it."""
    version, key_id, body = _parts(token)
    raw = base64.urlsafe_b64decode(body.encode())
    try:
        return keys().by_id(key_id).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
    except InvalidTag as error:
        raise SealError("a sealed value does not open with the configured data key") from error


def _parts(token):
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != VERSION:
        raise SealError("not a sealed value")
    return parts


def reseal(token, purpose):
    """`token` sealed again under the current data key (unchanged when it already is)."""
    if _parts(token)[1] == keys().current[0]:
        return token
    return seal(open_(token, purpose), purpose)


def blind_email(value):
    """The blind index of an email address (None for none)."""
    text = (value or "").strip().lower()
    return blind(text, "email") if text else None


def blind(value, purpose):
    """A blind index of the normalised `value`: equal values give equal digests."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(keys().index, message, hashlib.sha256).hexdigest()


# JSON documents whose private keys are sealed ------------------------------------------------


def seal_document(value, purpose):
    """A copy of a JSON document with the values of PRIVATE_KEYS sealed, wherever they are."""
    if isinstance(value, dict):
        return {
            key: (
                {SEALED: seal(json.dumps(item), f"{purpose}.{key}")}
                if key in PRIVATE_KEYS and item is not None and not _is_sealed(item)
                else seal_document(item, purpose)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [seal_document(item, purpose) for item in value]
    return value


def open_document(value, purpose, opener=None):
    """The document with its sealed values opened (or passed to `opener`, for rotation)."""
    if isinstance(value, dict):
        opened = {}
        for key, item in value.items():
            if _is_sealed(item):
                token = item[SEALED]
                opened[key] = (
                    {SEALED: opener(token, f"{purpose}.{key}")}
                    if opener
                    else json.loads(open_(token, f"{purpose}.{key}"))
                )
            else:
                opened[key] = open_document(item, purpose, opener)
        return opened
    if isinstance(value, list):
        return [open_document(item, purpose, opener) for item in value]
    return value


def _is_sealed(item):
    return isinstance(item, dict) and len(item) == 1 and SEALED in item


# Column types ------------------------------------------------------------------------------


class SealedText(TypeDecorator):
    """Text stored sealed; `purpose` binds each value to its column. An empty text stays
    empty (it hides nothing). SQL can only ask whether a sealed column is empty: any other
    comparison would compare with a fresh sealing and silently match nothing, so it raises;
    match by a blind index instead."""

    impl = Text
    cache_ok = True

    class comparator_factory(Text.Comparator):
        def operate(self, op, *other, **kwargs):
            values = [value for value in other if not isinstance(value, ClauseElement)]
            if op in EMPTINESS and all(value is None or value == "" for value in values):
                return super().operate(op, *other, **kwargs)
            if op not in EMPTINESS and not values:
                return super().operate(op, *other, **kwargs)
            raise TypeError("a sealed column cannot be compared in SQL: use its blind index")

    def __init__(self, purpose):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return seal(self.serialise(value), self.purpose)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        return self.parse(open_(value, self.purpose))

    def serialise(self, value):
        return str(value)

    def parse(self, text):
        return text


class SealedFloat(SealedText):
    """A number (a coordinate) stored sealed."""

    cache_ok = True

    def serialise(self, value):
        return repr(float(value))

    def parse(self, text):
        return float(text)


class SealedJSON(TypeDecorator):
    """A JSON document whose PRIVATE_KEYS values are stored sealed (see seal_document)."""

    impl = JSON().with_variant(JSONB(), "postgresql")
    cache_ok = True

    def __init__(self, purpose):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        return None if value is None else seal_document(value, self.purpose)

    def process_result_value(self, value, dialect):
        return None if value is None else open_document(value, self.purpose)


def sealed_columns(metadata):
    """[(table, column, type)] of every sealed column: what rotation walks through."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, SealedText | SealedJSON):
                found.append((table, column, column.type))
    return found


# Checking and rotating keys ------------------------------------------------------------------

CHECK_TEXT = "PeaceMap key check"


def key_check_values():
    """{"data": sealed check text, "index": its blind index}: stored with the data."""
    return {"data": seal(CHECK_TEXT, "key_checks"), "index": blind(CHECK_TEXT, "key_checks")}


def check_keys(values):
    """Raise SealError when `values` (stored key checks) were not made with these keys."""
    if "index" in values and values["index"] != blind(CHECK_TEXT, "key_checks"):
        raise SealError(WRONG_KEY.format(key="PEACEMAP_INDEX_KEY"))
    if "data" in values:
        try:
            opened = open_(values["data"], "key_checks")
        except SealError as error:
            raise SealError(WRONG_KEY.format(key="PEACEMAP_DATA_KEY")) from error
        if opened != CHECK_TEXT:
            raise SealError(WRONG_KEY.format(key="PEACEMAP_DATA_KEY"))


WRONG_KEY = (
    "The data was sealed under another {key}: set the key that was in use when it was "
    "written (older data keys can follow the current one, separated by commas)."
)


def reseal_all(connection, metadata):
    """Seal every stored private value again under the current data key; the number of values
    sealed anew. Works on the stored text, so no value passes through the ORM."""
    from sqlalchemy import bindparam, column, text

    count = 0
    for table, sealed_column, kind in sealed_columns(metadata):
        purpose = kind.purpose
        stored = kind.impl if isinstance(kind, SealedJSON) else Text()
        name, where = sealed_column.name, f"{sealed_column.name} IS NOT NULL"
        rows = connection.execute(
            text(f"SELECT id, {name} FROM {table.name} WHERE {where}").columns(  # noqa: S608
                column("id"), column(name, stored)
            )
        ).all()
        update = text(f"UPDATE {table.name} SET {name} = :value WHERE id = :id").bindparams(  # noqa: S608
            bindparam("value", type_=stored)
        )
        for row_id, value in rows:
            if isinstance(kind, SealedJSON):
                new = open_document(value, purpose, opener=reseal)
            elif value == "":
                continue
            else:
                new = reseal(value, purpose)
            if new != value:
                connection.execute(update, {"value": new, "id": row_id})
                count += 1
    return count
