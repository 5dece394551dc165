package msgja

// stdlibJa holds the errors of the Go standard library that reach reports
// and the errors of hpki verify: certificate path building (crypto/x509),
// signature checks (crypto/rsa, crypto/ecdsa), DER parsing (encoding/asn1)
// and file access (os).
var stdlibJa = map[string]string{
	`x509: certificate signed by unknown authority`: `x509: 証明書の発行者が不明（信頼できない認証局）です`,
	`x509: certificate signed by unknown authority (possibly because of %q while trying to verify candidate authority certificate %q)`: `x509: 証明書の発行者が不明（信頼できない認証局）です（候補の認証局証明書 %[2]q の検証中に %[1]q が起きたためかもしれません）`,
	`x509: certificate has expired or is not yet valid: %s`:                                                                            `x509: 証明書が有効期限切れか、まだ有効期間前です: %s`,
	`current time %s is after %s`:                                                          `現在時刻 %s は %s より後です`,
	`current time %s is before %s`:                                                         `現在時刻 %s は %s より前です`,
	`x509: certificate specifies an incompatible key usage`:                                `x509: 証明書の鍵用途が用途に合いません`,
	`x509: too many intermediates for path length constraint`:                              `x509: パス長制約に対して中間証明書が多すぎます`,
	`x509: a root or intermediate certificate is not authorized to sign for this name: %s`: `x509: ルートまたは中間証明書にこの名前への署名権限がありません: %s`,
	`x509: invalid signature: parent certificate cannot sign this kind of certificate`:     `x509: 署名が不正です: 親証明書はこの種類の証明書に署名できません`,
	`x509: cannot verify signature: algorithm unimplemented`:                               `x509: 署名を検証できません: アルゴリズムが実装されていません`,
	`x509: cannot verify signature: insecure algorithm %v`:                                 `x509: 署名を検証できません: 安全でないアルゴリズム %v`,
	`x509: ECDSA verification failure`:                                                     `x509: ECDSA の検証に失敗しました`,
	`x509: Ed25519 verification failure`:                                                   `x509: Ed25519 の検証に失敗しました`,
	`x509: unhandled critical extension`:                                                   `x509: 処理できない重要（critical）拡張があります`,
	`x509: malformed certificate`:                                                          `x509: 証明書の形式が不正です`,
	`x509: malformed tbs certificate`:                                                      `x509: tbsCertificate の形式が不正です`,
	`x509: malformed extension`:                                                            `x509: 拡張の形式が不正です`,
	`x509: trailing data`:                                                                  `x509: 余分なデータがあります`,
	`x509: unsupported elliptic curve`:                                                     `x509: 対応していない楕円曲線です`,
	`x509: RSA key missing NULL parameters`:                                                `x509: RSA 鍵に NULL パラメータがありません`,
	`x509: invalid RSA modulus`:                                                            `x509: RSA の法（modulus）が不正です`,
	`x509: signature algorithm specifies an %s public key, but have public key of type %T`: `x509: 署名アルゴリズムは %s 公開鍵を指定していますが、公開鍵の型は %T です`,
	`crypto/rsa: verification error`:                                                       `crypto/rsa: 検証エラー（署名が一致しません）`,
	`crypto/rsa: decryption error`:                                                         `crypto/rsa: 復号エラー`,
	`crypto/ecdsa: verification error`:                                                     `crypto/ecdsa: 検証エラー（署名が一致しません）`,
	`crypto/ecdsa: invalid signature`:                                                      `crypto/ecdsa: 署名が不正です`,
	`asn1: structure error: %s`:                                                            `asn1: 構造エラー: %s`,
	`asn1: syntax error: %s`:                                                               `asn1: 構文エラー: %s`,
	`sequence truncated`:                                                                   `SEQUENCE が途中で切れています`,
	`data truncated`:                                                                       `データが途中で切れています`,
	`trailing data`:                                                                        `余分なデータがあります`,
	`unexpected EOF`:                                                                       `予期しないファイルの終わり`,
	`EOF`:                                                                                  `ファイルの終わり（EOF）`,
	`open %s: %v`:                                                                          `%s を開けません: %v`,
	`read %s: %v`:                                                                          `%s を読み取れません: %v`,
	`stat %s: %v`:                                                                          `%s の情報を取得できません: %v`,
	`no such file or directory`:                                                            `ファイルまたはディレクトリがありません`,
	`permission denied`:                                                                    `アクセスが拒否されました`,
	`is a directory`:                                                                       `ディレクトリです`,
	`context deadline exceeded`:                                                            `時間切れです`,
	`context canceled`:                                                                     `取り消されました`,
	`connection refused`:                                                                   `接続を拒否されました`,
	// os.Signal names (hpki archive: "interrupt: finishing …")
	`interrupt`:   `割り込み（SIGINT）`,
	`terminated`:  `終了要求（SIGTERM）`,
	`i/o timeout`: `入出力がタイムアウトしました`,
}

// wordsJa translate the words that messages insert in place of a value:
// where revocation data came from (package verify: embedded, given,
// fetched), which timestamp failed (signature, archive, …), what a PDF
// revision changed and the kind of an HPKI role.
var wordsJa = map[string]string{
	`embedded`:  `署名に格納された`,
	`given`:     `指定された`,
	`fetched`:   `取得した`,
	`signature`: `署名`,
	`archive`:   `アーカイブ`,
	`esc`:       `ES-C（検証データ参照）`,
	`certcrl`:   `証明書・CRL`,
	`stream`:    `ストリーム`,
	// the kinds of data an archive timestamp covers (internal/cms)
	`certificate`:        `証明書`,
	`revocation value`:   `失効情報`,
	`unsigned attribute`: `非署名属性`,
	// hcrole.RoleKind
	`national`:                     `国家資格`,
	`administrative`:               `管理者資格`,
	`x509: negative serial number`: `x509: シリアル番号が負です`,
}
