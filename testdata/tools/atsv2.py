#!/usr/bin/env python3
"""Builds CAdES archive-time-stamp-v2 test vectors without hpki's code.

ETSI TS 101 733 (v1.7.4 to v2.2.1) section 6.4.1: the message imprint of an
archive-time-stamp-v2 is the hash of the concatenation of
  - the encapContentInfo element of the SignedData,
  - the external content, when eContent is absent (detached),
  - the certificates and crls fields of the SignedData, tags included,
  - every field of the SignerInfo, including the unsigned attributes
    present before the timestamp,
each as encoded in the file (BER as found: indefinite lengths, segmented
strings). The unsigned attributes enter either as the [1] field (tag and
definite length over the covered attributes: the normative text) or as the
bare attributes (Annex K of v1.8.x); "--bare" selects the latter.

Python standard library only. Commands:
  imprint SIG [--content FILE] [--bare] [--hash sha256]
      print the hex message imprint for an archive-time-stamp-v2 added now
      (it covers every unsigned attribute of the first signer).
  add SIG OID VALUE OUT [--at N]
      append an unsigned attribute (type OID, one value: the DER file VALUE)
      to the first signer (or insert it before its N-th unsigned attribute,
      as a producer re-sorting the SET would place it); every other byte
      keeps its encoding, definite lengths of the enclosing elements are
      recomputed, indefinite ones stay indefinite.
"""
import argparse
import hashlib
import sys


class Node:
    def __init__(self, data, start):
        self.start = start
        first = data[start]
        i = start + 1
        if first & 0x1F == 0x1F:
            while data[i] & 0x80:
                i += 1
            i += 1
        self.tag = data[start:i]
        self.constructed = bool(first & 0x20)
        lb = data[i]
        i += 1
        self.indefinite = lb == 0x80
        if lb < 0x80:
            length = lb
        elif lb > 0x80:
            n = lb & 0x7F
            length = int.from_bytes(data[i:i + n], "big")
            i += n
        self.children = []
        self.changed = False
        if self.indefinite:
            j = i
            while data[j:j + 2] != b"\x00\x00":
                child = Node(data, j)
                self.children.append(child)
                j = child.end
            self.end = j + 2
        else:
            self.end = i + length
            if self.constructed:
                j = i
                while j < self.end:
                    child = Node(data, j)
                    self.children.append(child)
                    j = child.end
        self.raw = data[start:self.end]

    def encode(self):
        if not self.changed:
            return self.raw
        body = b"".join(c.encode() for c in self.children)
        if self.indefinite:
            return self.tag + b"\x80" + body + b"\x00\x00"
        return self.tag + der_length(len(body)) + body


def der_length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, body):
    return bytes([tag]) + der_length(len(body)) + body


def der_oid(text):
    arcs = [int(a) for a in text.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, bytes(out))


def signed_data(root):
    # ContentInfo -> [0] -> SignedData
    return root.children[1].children[0]


def first_signer(sd):
    return sd.children[-1].children[0]


def imprint(args):
    data = open(args.sig, "rb").read()
    root = Node(data, 0)
    sd = signed_data(root)
    parts = [sd.children[2].raw]
    if args.content:
        parts.append(open(args.content, "rb").read())
    for field in sd.children[3:-1]:
        if field.tag in (b"\xa0", b"\xa1"):
            parts.append(field.raw)
    si = first_signer(sd)
    fields = si.children
    attrs = []
    if fields[-1].tag == b"\xa1":
        attrs = [a.raw for a in fields[-1].children]
        fields = fields[:-1]
    parts += [f.raw for f in fields]
    covered = b"".join(attrs)
    if not args.bare:
        covered = b"\xa1" + der_length(len(covered)) + covered
    parts.append(covered)
    h = hashlib.new(args.hash)
    for p in parts:
        h.update(p)
    print(h.hexdigest())


def add(args):
    data = open(args.sig, "rb").read()
    value = open(args.value, "rb").read()
    root = Node(data, 0)
    sd = signed_data(root)
    si = first_signer(sd)
    attr = Node(der(0x30, der_oid(args.oid) + der(0x31, value)), 0)
    if si.children[-1].tag != b"\xa1":
        si.children.append(Node(der(0xA1, b""), 0))
    attrs = si.children[-1].children
    attrs.insert(len(attrs) if args.at is None else args.at, attr)
    for n in (si.children[-1], si, sd.children[-1], sd, root.children[1], root):
        n.changed = True
    open(args.out, "wb").write(root.encode())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("imprint")
    i.add_argument("sig")
    i.add_argument("--content")
    i.add_argument("--bare", action="store_true")
    i.add_argument("--hash", default="sha256")
    a = sub.add_parser("add")
    a.add_argument("sig")
    a.add_argument("oid")
    a.add_argument("value")
    a.add_argument("out")
    a.add_argument("--at", type=int)
    args = p.parse_args()
    {"imprint": imprint, "add": add}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
