#!/usr/bin/python3
"""make bench: libxmlsec1 verifying an XML signature in-process, in a loop.

usage: xmlsec-verify-loop.py SIGNED.xml TRUSTED.pem UNTRUSTED.pem N

Each round parses the document (lxml/libxml2), declares the Id attributes
and verifies the ds:Signature (references and signature value, the X.509
chain against TRUSTED.pem): XML-DSig core only, no XAdES checks, no
timestamp, no revocation. Prints "N verifications in S s = R verifications/s".
"""
import sys
import time

import xmlsec
from lxml import etree


def main():
    path, trusted, untrusted, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(path, "rb") as f:
        data = f.read()
    manager = xmlsec.KeysManager()
    manager.load_cert(trusted, xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeTrusted)
    manager.load_cert(untrusted, xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeNone)

    def once():
        root = etree.fromstring(data)
        xmlsec.tree.add_ids(root, ["Id"])
        sig = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
        xmlsec.SignatureContext(manager).verify(sig)  # raises on failure

    once()
    start = time.perf_counter()
    for _ in range(n):
        once()
    elapsed = time.perf_counter() - start
    print("%d verifications in %.2fs = %.0f verifications/s" % (n, elapsed, n / elapsed))


if __name__ == "__main__":
    main()
