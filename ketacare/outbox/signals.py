"""Outcomes of a message, for the app that asked for it (matched on Message.ref).

message_sent(message): the mail server or SMS provider accepted it.
message_failed(message, error, final): an attempt failed; final=True means no more tries.
"""

from django.dispatch import Signal

message_sent = Signal()
message_failed = Signal()
