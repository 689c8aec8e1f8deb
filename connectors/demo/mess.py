"""The realistic mess of first-party data: how people type phones, emails and names, and how rows go bad."""

from __future__ import annotations

import random

JUNK_PHONES = ("13800138000", "00000000000")
JUNK_EMAILS = ("test@test.com", "123@qq.com")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def messy_phone(phone: str, rng: random.Random) -> str:
    """Gives a China mobile number as a person might type it: +86 138 0013 8000, 0086-138..., 138-0013-8000."""
    style = rng.random()
    if style < 0.35:
        return phone
    if style < 0.5:
        return f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    if style < 0.62:
        return f"0086-{phone}"
    if style < 0.75:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if style < 0.85:
        return f"+86{phone}"
    if style < 0.95:
        return f" {phone[:3]} {phone[3:7]} {phone[7:]} "
    return phone.translate(FULLWIDTH_DIGITS)


def messy_email(email: str, rng: random.Random) -> str:
    """Gives an email with the case and stray spaces people type."""
    style = rng.random()
    if style < 0.6:
        return email
    if style < 0.8:
        return email.upper() if rng.random() < 0.3 else email.capitalize()
    return f" {email} "


def typo_name(name: str, rng: random.Random) -> str:
    """Gives the name, sometimes with one slip of the keyboard (two letters swapped or one dropped)."""
    if len(name) < 4 or rng.random() > 0.05:
        return name
    i = rng.randrange(1, len(name) - 1)
    if rng.random() < 0.5:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i + 1 :]


def typo_email(email: str, rng: random.Random) -> str:
    """Gives the email with one character of the local part doubled: a real but different address."""
    local, _, domain = email.partition("@")
    i = rng.randrange(len(local))
    return f"{local[: i + 1]}{local[i]}{local[i + 1 :]}@{domain}"


def maybe_blank(value: str | None, rng: random.Random, p: float) -> str | None:
    """Gives None with probability p: optional fields people skip."""
    return None if rng.random() < p else value
