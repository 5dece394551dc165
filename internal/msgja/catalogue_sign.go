package msgja

// signJa holds the messages of package sign (the warnings and errors of
// hpki sign, and the signer check verify.CheckSigner shares).
var signJa = map[string]string{
	`content larger than %d bytes: sign it detached`:                         `内容が %d バイトを超えています: デタッチドで署名してください`,
	`packaging %q is not detached or enveloping`:                             `パッケージング %q は detached でも enveloping でもありません`,
	`hash %v not allowed for new signatures (SHA-256, SHA-384 or SHA-512)`:   `新しい署名にハッシュ %v は使えません（SHA-256、SHA-384、SHA-512 のいずれか）`,
	`hash %v not allowed for new signatures`:                                 `新しい署名にハッシュ %v は使えません`,
	`signing refused`:                                                        `署名を拒否しました`,
	`no signer certificate`:                                                  `署名者証明書がありません`,
	`%w: %s is %s`:                                                           `%w: %s は%s`,
	`not an HPKI certificate`:                                                `HPKI 証明書ではありません`,
	`WARNING: signing with %s: %s; the signature will not show an HPKI role`: `警告: %[2]s（%[1]s）で署名します。署名に HPKI 資格は示されません`,
	`reading content: %w`:                                                    `内容の読み込み: %w`,
	`the document has duplicate Id attributes: refusing to sign an ambiguous document`: `文書に重複した Id 属性があります: 曖昧な文書への署名は拒否します`,
	`level T needs a TSA`: `レベル T には TSA が必要です`,
	`level %s cannot be made directly: sign at B or T, then extend`: `レベル %s は直接作れません: B か T で署名してから延長してください`,
	`unsupported key type %T`: `鍵の型 %T には対応していません`,
	`not a XAdES signature: SignatureValue or QualifyingProperties missing`: `XAdES 署名ではありません: SignatureValue または QualifyingProperties がありません`,
	`signature timestamp: %w`: `署名タイムスタンプ: %w`,
	`ECDSA signature: %w`:     `ECDSA 署名: %w`,
	`a detached XAdES signature needs the URI of the signed file`: `デタッチド XAdES 署名には署名対象ファイルの URI が必要です`,
}

// extendJa holds the messages of package extend (hpki extend).
var extendJa = map[string]string{
	`%w (an archive-time-stamp-v2 that validated before no longer does: it covers the signature as the file encodes it, and writing the extended signature re-encoded it, e.g. BER as DER)`: `%w（以前は有効だった archive-time-stamp-v2 が有効でなくなります: ファイル上の符号化のまま署名を対象とするため、延長した署名を書き出すと再符号化（例: BER から DER）されてしまいます）`,
	`reading the content: %w`: `内容の読み込み: %w`,
	`an archive timestamp covers the signed content: give the detached content`: `アーカイブタイムスタンプは署名対象の内容を対象とします: デタッチドの内容を指定してください`,
	`archive timestamp: the TSA used %v, not %v`:                                `アーカイブタイムスタンプ: TSA は %v を使いました（%v ではありません）`,
	`archive timestamp token: %v`:                                               `アーカイブタイムスタンプのトークン: %v`,
	`%w: no signer`:                                                             `%w: 署名者がありません`,
	`%w: %s is not valid now (%s): %s`:                                          `%w: %s は現在有効ではありません（%s）: %s`,
	`rewinding the content: %w`:                                                 `内容の巻き戻し: %w`,
	`%w: the extended signature only reaches %s (a certificate's revocation data could not be embedded?)`: `%w: 延長した署名は %s にしか達しません（証明書の失効情報を格納できなかった？）`,
	`refusing to extend`:                                                   `延長を拒否しました`,
	`extending to LTA needs a TSA`:                                         `LTA への延長には TSA が必要です`,
	`archive timestamps use SHA-256, SHA-384 or SHA-512, not %v`:           `アーカイブタイムスタンプには SHA-256、SHA-384、SHA-512 のいずれかを使います（%v ではありません）`,
	`cannot extend to level %q: LT or LTA`:                                 `レベル %q には延長できません: LT か LTA です`,
	`the extended signature`:                                               `延長した署名`,
	`a ds:Signature without XAdES QualifyingProperties cannot be extended`: `XAdES の QualifyingProperties のない ds:Signature は延長できません`,
	`the signature has no signature timestamp: give a TSA to add one`:      `署名に署名タイムスタンプがありません: 追加するには TSA を指定してください`,
	`the signature`: `署名`,
	`the report does not match the document's signatures`: `検証結果が文書の署名と一致しません`,
	`archive timestamp: %w`:                               `アーカイブタイムスタンプ: %w`,
}

// certinfoJa holds the messages of package certinfo (hpki cert inspect).
var certinfoJa = map[string]string{
	`CA certificate carries no HPKI policy (arc 1.2.392.100495.1.5.1)`: `CA 証明書に HPKI ポリシー（arc 1.2.392.100495.1.5.1）がありません`,
	`not an HPKI certificate: %s`:                                      `HPKI 証明書ではありません: %s`,
}
