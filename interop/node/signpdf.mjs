// signpdf.mjs: an independent PDF signer (@signpdf) for hpki's interop tests.
//
//   node signpdf.mjs sign KEYSTORE.p12 IN.pdf OUT.pdf [SUBFILTER]
//       adds a signature field with @signpdf/placeholder-plain (an
//       incremental update with a classic cross-reference table) and signs
//       it with @signpdf/signer-p12 (node-forge PKCS#7, SHA-256, RSA):
//       SubFilter adbe.pkcs7.detached, or ETSI.CAdES.detached when SUBFILTER
//       says so. The keystore's password is read from standard input (one
//       line), never from the command line.
//
// TEST ONLY.
import { readFileSync, writeFileSync } from "node:fs";
import signpdfModule from "@signpdf/signpdf";
import { P12Signer } from "@signpdf/signer-p12";
import { plainAddPlaceholder } from "@signpdf/placeholder-plain";
import { SUBFILTER_ADOBE_PKCS7_DETACHED, SUBFILTER_ETSI_CADES_DETACHED } from "@signpdf/utils";

// The package is CommonJS: its default export is under .default.
const signpdf = signpdfModule.default ?? signpdfModule;

async function sign(p12Path, inPath, outPath, subFilter) {
  const passphrase = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: readFileSync(inPath),
    reason: "Referral letter",
    contactInfo: "doctor@example.jp",
    name: "Test Doctor",
    location: "Tokyo",
    signatureLength: 16384,
    subFilter: subFilter === "ETSI.CAdES.detached" ? SUBFILTER_ETSI_CADES_DETACHED : SUBFILTER_ADOBE_PKCS7_DETACHED,
  });
  const signer = new P12Signer(readFileSync(p12Path), { passphrase });
  const signed = await signpdf.sign(withPlaceholder, signer);
  writeFileSync(outPath, signed);
  console.log("signed " + outPath);
}

const [cmd, ...args] = process.argv.slice(2);
try {
  if (cmd === "sign" && (args.length === 3 || args.length === 4)) {
    await sign(...args);
  } else {
    console.error("usage: node signpdf.mjs sign KEYSTORE.p12 IN.pdf OUT.pdf [SUBFILTER] (password on standard input)");
    process.exit(3);
  }
} catch (e) {
  console.error("signpdf: " + (e && e.message ? e.message : e));
  process.exit(1);
}
