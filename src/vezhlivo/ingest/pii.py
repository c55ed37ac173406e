"""Masking personal data (phones, e-mail addresses, card numbers) for ``--mask-pii``.

Masks keep the length of the text, so offsets of findings into a turn stay right: digits of a phone
become ``*`` except the last two, an e-mail's name becomes ``*`` except its first letter.
The conversation read from the source keeps the data; only what is written out is masked.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Client, Conversation
from ..pii import mask_text

__all__ = ["mask_conversation", "mask_text"]

def mask_conversation(conv: Conversation) -> Conversation:
    """The same conversation with phones and e-mails masked in texts and in the client's fields."""
    c = conv.client
    return replace(
        conv,
        messages=tuple(replace(m, text=mask_text(m.text) or "", author=mask_text(m.author)) for m in conv.messages),
        client=Client(id=mask_text(c.id), name=c.name, patronymic=c.patronymic, phone=mask_text(c.phone),
                      email=mask_text(c.email)),
    )
