#!/usr/bin/env python3
"""Prints, as JSON, how Python's email package reads each message in a folder: the reference
for Rapport's differential parser test. Usage: python_email_reference.py DIR"""
import email, email.policy, json, os, sys

def addresses(msg, name):
    try:
        header = msg[name]
        if header is None:
            return []
        return [{"name": a.display_name or None, "address": a.addr_spec} for a in header.addresses]
    except Exception as error:
        return {"error": str(error)}

def text_of(part):
    try:
        return part.get_content()
    except Exception as error:
        return None

def structure(msg, depth=0, out=None):
    out = [] if out is None else out
    out.append(msg.get_content_type())
    if msg.is_multipart():
        for sub in msg.iter_parts() if msg.get_content_maintype() == "multipart" else []:
            structure(sub, depth + 1, out)
    return out

result = {}
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    if not name.startswith("msg_") or not name.endswith(".txt"):
        continue
    with open(os.path.join(folder, name), "rb") as handle:
        msg = email.message_from_binary_file(handle, policy=email.policy.default)
    entry = {}
    try:
        entry["subject"] = str(msg["subject"]) if msg["subject"] is not None else None
    except Exception:
        entry["subject"] = {"error": "unreadable"}
    entry["from"] = addresses(msg, "from")
    entry["to"] = addresses(msg, "to")
    try:
        date = msg["date"].datetime if msg["date"] is not None else None
        entry["date"] = date.timestamp() if date is not None and date.tzinfo is not None else None
    except Exception:
        entry["date"] = None
    entry["structure"] = structure(msg)
    try:
        body = msg.get_body(preferencelist=("plain",))
    except Exception:
        body = None
    entry["text"] = text_of(body) if body is not None else None
    result[name] = entry
json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
