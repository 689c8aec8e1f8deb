"""WeChat safe mode (encrypt_type=aes): AES-256-CBC with the account's EncodingAESKey.

The scheme WeChat documents for official-account messages: AESKey = base64(EncodingAESKey + "="), 32 bytes; the
IV is its first 16 bytes; the plaintext is 16 random bytes, the message length (4 bytes, network order), the
message, and the app id, padded PKCS#7 to a multiple of 32 bytes; Encrypt is its base64.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from connectors.collector.request_checks import Malformed, Unauthorized

BLOCK = 32


class WeChatCrypto:
    """Encrypts and decrypts one official account's messages."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("an EncodingAESKey has 43 characters")
        try:
            self._key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("an EncodingAESKey is base64 text (A-Z, a-z, 0-9, +, /)") from None
        self._app_id = app_id.encode("utf-8")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def decrypt(self, encrypted: str) -> bytes:
        """Gives the message XML inside an Encrypt element; Unauthorized when it is not for this account."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise Malformed("<Encrypt> is not base64") from None
        if not data or len(data) % 16:
            raise Unauthorized("<Encrypt> is not an AES-CBC ciphertext (length not a multiple of 16)")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise Unauthorized("<Encrypt> does not decrypt with this account's EncodingAESKey (bad padding)")
        content = plain[16:-pad]
        if len(content) < 4:
            raise Unauthorized("<Encrypt> decrypts to too little data")
        (length,) = struct.unpack(">I", content[:4])
        message, app_id = content[4 : 4 + length], content[4 + length :]
        if len(message) != length or app_id != self._app_id:
            raise Unauthorized("<Encrypt> was not encrypted for this account's app id")
        return message

    def encrypt(self, message: bytes, random_prefix: bytes | None = None) -> str:
        """Gives the Encrypt text for a message (what WeChat sends; the tests play WeChat with it)."""
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(message)) + message + self._app_id
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")
