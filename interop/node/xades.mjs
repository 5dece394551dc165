// xades.mjs: an independent XAdES peer (xadesjs) for hpki's interop tests.
//
//   node xades.mjs verify SIGNED.xml
//       verifies every ds:Signature in the document with xadesjs (references
//       and signature value, key taken from the ds:X509Certificate) and prints
//       one line per signature: "ok <Id>" or "bad <Id> <reason>". Exit 0 only
//       when every signature verifies and there is at least one.
//
//   node xades.mjs sign KEY.pem CERT.pem IN.xml OUT.xml [ELEMENT_ID]
//       signs IN.xml with XAdES-BES (enveloped; the whole document, or the
//       element with Id=ELEMENT_ID), RSASSA-PKCS1-v1_5 with SHA-256,
//       SigningCertificateV2 and SigningTime, and writes OUT.xml.
//
// TEST ONLY: it reads unencrypted PKCS#8 keys from files.
import { readFileSync, writeFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import * as xmldom from "@xmldom/xmldom";
import xpath from "xpath";
import * as xadesjs from "xadesjs";

xadesjs.Application.setEngine("NodeJS", webcrypto);
xadesjs.setNodeDependencies({
  XMLSerializer: xmldom.XMLSerializer,
  DOMParser: xmldom.DOMParser,
  DOMImplementation: xmldom.DOMImplementation,
  xpath,
});

const DSIG = "http://www.w3.org/2000/09/xmldsig#";

function pemBody(pem, label) {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m) throw new Error(`no ${label} PEM block`);
  return m[1].replace(/\s+/g, "");
}

async function verify(path) {
  const doc = xadesjs.Parse(readFileSync(path, "utf8"));
  const sigs = doc.getElementsByTagNameNS(DSIG, "Signature");
  if (sigs.length === 0) {
    console.log("bad - no ds:Signature");
    return 1;
  }
  let rc = 0;
  for (let i = 0; i < sigs.length; i++) {
    const id = sigs[i].getAttribute("Id") || `#${i}`;
    try {
      const signed = new xadesjs.SignedXml(doc);
      signed.LoadXml(sigs[i]);
      if (await signed.Verify()) {
        console.log(`ok ${id}`);
      } else {
        console.log(`bad ${id} verification returned false`);
        rc = 1;
      }
    } catch (e) {
      console.log(`bad ${id} ${String(e && e.message ? e.message : e).split("\n")[0]}`);
      rc = 1;
    }
  }
  return rc;
}

async function sign(keyPath, certPath, inPath, outPath, elementId) {
  const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const der = Buffer.from(pemBody(readFileSync(keyPath, "utf8"), "PRIVATE KEY"), "base64");
  const key = await webcrypto.subtle.importKey("pkcs8", der, alg, false, ["sign"]);
  const cert = pemBody(readFileSync(certPath, "utf8"), "CERTIFICATE");
  const doc = xadesjs.Parse(readFileSync(inPath, "utf8"));
  const signed = new xadesjs.SignedXml();
  const ref = { hash: "SHA-256", transforms: ["enveloped", "exc-c14n"] };
  if (elementId) ref.uri = `#${elementId}`;
  const sig = await signed.Sign(alg, key, doc, {
    x509: [cert],
    references: [ref],
    signingCertificateV2: cert,
    signingTime: { value: new Date() },
  });
  doc.documentElement.appendChild(sig.GetXml());
  writeFileSync(outPath, new xmldom.XMLSerializer().serializeToString(doc));
  return 0;
}

const [cmd, ...args] = process.argv.slice(2);
let rc = 2;
try {
  if (cmd === "verify" && args.length === 1) {
    rc = await verify(args[0]);
  } else if (cmd === "sign" && (args.length === 4 || args.length === 5)) {
    rc = await sign(...args);
  } else {
    console.error("usage: xades.mjs verify SIGNED.xml | sign KEY CERT IN OUT [ELEMENT_ID]");
  }
} catch (e) {
  console.error(`xades.mjs: ${e && e.message ? e.message : e}`);
  rc = 1;
}
process.exit(rc);
