"""Outgoing mail: plain-text messages written to instance/outbox/ or sent over SMTP.

Plain text only, so that nothing a submitter typed can ever be rendered as HTML in a mail
client. Call `send` from an after-commit effect: it raises on failure and the effect logs it.
"""

import smtplib
import uuid
from contextlib import nullcontext
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale


def build(to, subject, template, lang, **context):
    """A message rendered from templates/mail/<template>.txt in the recipient's language."""
    # Outside a request (CLI, background work) links are built on the configured SITE_URL.
    request_context = (
        nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["SITE_URL"])
    )
    with request_context, force_locale(lang):
        body = render_template(f"mail/{template}.txt", lang=lang, **context)
        subject = str(subject() if callable(subject) else subject)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # no header injection through newlines
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="peacemap.local")
    message.set_content(body)
    return message


def send(message):
    """Deliver with the configured backend: `outbox` (files) or `smtp`."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "outbox":
        outbox = outbox_folder()
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
    elif backend == "smtp":
        config = current_app.config
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        raise ValueError(f"Unknown MAIL_BACKEND {backend!r}")


def outbox_folder():
    """Where the `outbox` backend writes messages (MAIL_OUTBOX, else instance/outbox/)."""
    return Path(current_app.config["MAIL_OUTBOX"] or Path(current_app.instance_path) / "outbox")


def forget(values):
    """Delete the messages of the outbox that name any of `values` (in their headers or text,
    however encoded); returns how many. Mail already sent over SMTP is out of reach."""
    wanted = [value.casefold() for value in values if value]
    folder = outbox_folder()
    if not wanted or not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.eml"):
        if any(value in _readable(path.read_bytes()) for value in wanted):
            path.unlink()
            removed += 1
    return removed


def _readable(raw):
    """A message's raw bytes and its decoded headers and text parts, case-folded."""
    message = message_from_bytes(raw, policy=policy.default)
    texts = [raw.decode("utf-8", "replace"), *(str(value) for value in message.values())]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            texts.append(part.get_content())
    return "\n".join(texts).casefold()
