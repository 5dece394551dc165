// scan.mjs: a second PDF producer (pdf-lib) for hpki's interop tests.
//
//   node scan.mjs IMAGE.jpg OUT.pdf
//       writes a one-page A4 PDF showing the JPEG over the whole page, the
//       way a scanner does, with pdf-lib's defaults: objects in object
//       streams and a cross-reference stream.
//
// TEST ONLY.
import { readFileSync, writeFileSync } from "node:fs";
import { PDFDocument } from "pdf-lib";

const [image, out] = process.argv.slice(2);
if (!image || !out) {
  console.error("usage: node scan.mjs IMAGE.jpg OUT.pdf");
  process.exit(3);
}
try {
  const doc = await PDFDocument.create();
  doc.setTitle("Scanned referral letter");
  doc.setProducer("pdf-lib");
  const jpg = await doc.embedJpg(readFileSync(image));
  const page = doc.addPage([595, 842]);
  page.drawImage(jpg, { x: 0, y: 0, width: 595, height: 842 });
  writeFileSync(out, await doc.save({ useObjectStreams: true }));
  console.log("wrote " + out);
} catch (e) {
  console.error("scan: " + (e && e.message ? e.message : e));
  process.exit(1);
}
